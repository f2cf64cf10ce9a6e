import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { SESSIONS_BY_USER_INDEX } from '../../functions/lib/contract/tables';
import type { AuthFunctionName } from './functions';
import type { ResolvedProps } from './props';
import type { Tables } from './tables';

type DynamoAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchGetItem' | 'Query' | 'Scan' | 'ConditionCheckItem';

/** The failure counters: read several at once, count, reset, mark a trusted source. */
const COUNTERS: readonly DynamoAction[] = ['BatchGetItem', 'UpdateItem', 'PutItem', 'DeleteItem'];

/**
 * Least privilege, at a glance: which function may do what on which table. Nothing else is
 * granted on DynamoDB (`table.grant` would add the indexes too; only `byUserIndex` reads one).
 */
const ACCESS: Partial<Record<AuthFunctionName, Partial<Record<keyof Tables | 'byUserIndex', readonly DynamoAction[]>>>> = {
  login: { users: ['GetItem', 'UpdateItem'], sessions: ['PutItem'], attempts: COUNTERS },
  register: { users: ['PutItem'] },
  refresh: { users: ['GetItem'], sessions: ['UpdateItem'] },
  logout: { sessions: ['UpdateItem'] },
  sessions: { users: ['GetItem', 'UpdateItem'], sessions: ['GetItem', 'UpdateItem'], byUserIndex: ['Query'] },
  // PutItem on sessions: replacing a temporary password opens a session, as login does.
  password: { users: ['GetItem', 'UpdateItem'], sessions: ['UpdateItem', 'PutItem'], attempts: COUNTERS, byUserIndex: ['Query'] },
  // ConditionCheckItem: a change that demotes or disables an admin commits only while another admin remains.
  // Reads the client; counts failures and trusts a source that authenticated, as login does.
  // Introspection reads a token's session and user; revocation writes the client's cut-off.
  token: { clients: ['GetItem', 'PutItem'], attempts: COUNTERS, users: ['GetItem'], sessions: ['GetItem'] },
  // Factors live on the user's item; a passkey's owner item beside it (TransactWrite: Put and Update,
  // or Update and Delete). Verify opens a session and spends the mfa_token (attempts); step-up
  // records the factor in the session.
  mfa: {
    users: ['GetItem', 'UpdateItem', 'PutItem', 'DeleteItem'],
    sessions: ['PutItem', 'UpdateItem'],
    attempts: COUNTERS,
  },
  // DeleteItem: a factor reset removes the owner items of the user's passkeys.
  admin: {
    users: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Scan', 'ConditionCheckItem'],
    sessions: ['UpdateItem'],
    audit: ['Query'],
    byUserIndex: ['Query'],
    clients: ['GetItem', 'PutItem', 'Scan', 'DeleteItem'],
  },
};

/** The functions that run the flows: they sign (private keys), hash (pepper) and audit. */
const FLOWS: readonly AuthFunctionName[] = ['login', 'register', 'refresh', 'logout', 'sessions', 'password', 'admin', 'token', 'mfa'];
/** The functions that only verify: they read the public key set, never a private key. */
const VERIFIERS: readonly AuthFunctionName[] = ['validate', 'jwks', 'authorizer'];

/**
 * What a verify-only function reads: the public key set and, with the revocation check on, a
 * session and its user in one BatchGetItem. Also for authorizers in other stacks.
 */
export function grantVerifier(
  p: Pick<ResolvedProps, 'revocationCheck'>,
  fn: iam.IGrantable,
  tables: Pick<Tables, 'users' | 'sessions' | 'clients'>,
  parameterArn: string,
  options: { revocation: boolean; clients?: boolean },
): void {
  const allow = (resource: string, actions: string[]) => iam.Grant.addToPrincipal({ grantee: fn, actions, resourceArns: [resource] });
  allow(parameterArn, ['ssm:GetParameter']);
  if (p.revocationCheck && options.revocation) {
    allow(tables.users.tableArn, ['dynamodb:BatchGetItem']);
    allow(tables.sessions.tableArn, ['dynamodb:BatchGetItem']);
    // An authorizer checks machine clients' tokens against their client too.
    if (options.clients) allow(tables.clients.tableArn, ['dynamodb:GetItem']);
  }
}

/**
 * The recovery function (with the `email` prop): it reads a user and writes their links, their
 * password and, for a change of address, the address items (TransactWrite: Update, Put, Delete);
 * reads and counts in the attempts table; ends sessions through the by-user index; audits; hashes.
 */
export function grantRecovery(
  fn: iam.IGrantable & { addToRolePolicy(s: iam.PolicyStatement): void },
  tables: Tables,
  secretArn: string,
): void {
  const allow = (resource: string, actions: readonly string[]) =>
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...actions], resources: [resource] }));
  allow(tables.users.tableArn, ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem']);
  allow(
    tables.attempts.tableArn,
    [...COUNTERS, 'GetItem'].map((a) => `dynamodb:${a}`),
  );
  allow(tables.sessions.tableArn, ['dynamodb:UpdateItem']);
  allow(`${tables.sessions.tableArn}/index/${SESSIONS_BY_USER_INDEX}`, ['dynamodb:Query']);
  allow(tables.audit.tableArn, ['dynamodb:PutItem']);
  allow(secretArn, ['secretsmanager:GetSecretValue']);
}

/** Grants every function exactly what it calls, on exactly its resources. */
export function grantAccess(
  p: ResolvedProps,
  functions: Record<AuthFunctionName, NodejsFunction>,
  tables: Tables,
  keys: { secretArn: string; parameterArn: string },
): void {
  const allow = (f: NodejsFunction, resource: string, actions: readonly string[]) =>
    f.addToRolePolicy(new iam.PolicyStatement({ actions: [...actions], resources: [resource] }));
  const arnOf = (target: keyof Tables | 'byUserIndex') =>
    target === 'byUserIndex' ? `${tables.sessions.tableArn}/index/${SESSIONS_BY_USER_INDEX}` : tables[target].tableArn;
  for (const [name, grants] of Object.entries(ACCESS) as [AuthFunctionName, NonNullable<(typeof ACCESS)[AuthFunctionName]>][]) {
    for (const [target, actions] of Object.entries(grants) as [keyof Tables | 'byUserIndex', readonly DynamoAction[]][]) {
      allow(
        functions[name],
        arnOf(target),
        actions.map((a) => `dynamodb:${a}`),
      );
    }
  }
  for (const name of FLOWS) {
    allow(functions[name], tables.audit.tableArn, ['dynamodb:PutItem']);
    allow(functions[name], keys.secretArn, ['secretsmanager:GetSecretValue']);
  }
  for (const name of VERIFIERS) {
    grantVerifier(p, functions[name], tables, keys.parameterArn, { revocation: name !== 'jwks', clients: name === 'authorizer' });
  }
  allow(functions['key-setup'], keys.secretArn, ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']);
  allow(functions['key-setup'], keys.parameterArn, ['ssm:PutParameter', 'ssm:DeleteParameter']);
  allow(functions['rotate-keys'], keys.secretArn, ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']);
  allow(functions['rotate-keys'], keys.parameterArn, ['ssm:GetParameter', 'ssm:PutParameter']);
}
