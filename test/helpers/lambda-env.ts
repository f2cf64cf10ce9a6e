import { ENV } from '../../functions/lib/wiring/config';
import { encodeRouteList } from '../../functions/lib/contract/route-list';
import { ROUTES } from '../../functions/lib/contract/routes';

/**
 * The environment a deployed function sees, minus AWS itself (no credentials, no extension):
 * for loading production bundles in a fresh process. Names come from `ENV`, never spelled out.
 */
export function lambdaEnv(secrets: { secretsFile: string } | { secretId: string; publicJwksParameter: string }, issuer: string) {
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'eu-west-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    [ENV.usersTable]: 'users',
    [ENV.sessionsTable]: 'sessions',
    [ENV.attemptsTable]: 'attempts',
    [ENV.auditTable]: 'audit',
    [ENV.clientsTable]: 'clients',
    [ENV.issuer]: issuer,
    [ENV.audience]: `${issuer}/api`,
    ...('secretsFile' in secrets
      ? { [ENV.secretsFile]: secrets.secretsFile }
      : { [ENV.secretId]: secrets.secretId, [ENV.publicJwksParameter]: secrets.publicJwksParameter }),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    // What an authorizer reads from its SSM parameter on AWS, given here as the local runtime gives it.
    [ENV.routes]: encodeRouteList(ROUTES.filter((r) => r.access !== 'public')),
  };
}
