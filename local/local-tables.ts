/** Table names of the local runtime (the CDK stack names its own). */
export const LOCAL_TABLES = {
  usersTable: 'auth-users',
  sessionsTable: 'auth-sessions',
  attemptsTable: 'auth-attempts',
  auditTable: 'auth-audit',
} as const;
