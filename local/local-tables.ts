/** Table names of the local runtime (the CDK stack names its own). */
export const LOCAL_TABLES = { usersTable: 'auth-users', sessionsTable: 'auth-sessions' } as const;
