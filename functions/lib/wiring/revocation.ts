import { createRevocationChecker, type RevocationChecker } from '../authz/revocation';
import { systemClock } from '../domain/clock';
import type { Config } from './config';
import { roleCredentials } from './role-credentials';

/**
 * The revocation check as configured, or undefined when it is off. It reads DynamoDB with one
 * signed `fetch` (`stores/dynamodb-http.ts`), not the SDK; a bundle built with
 * AUTH_REVOCATION_CHECK defined as "false" (a build-time flag, for esbuild's `define`) drops
 * this branch and the signer with it.
 */
export function revocationCheckerFromConfig(
  config: Pick<Config, 'revocationCheck' | 'revocationCacheSeconds' | 'dynamodbEndpoint' | 'usersTable' | 'sessionsTable' | 'clientsTable'>,
): RevocationChecker | undefined {
  if (process.env.AUTH_REVOCATION_CHECK === 'false' || !config.revocationCheck) return undefined;
  const { dynamoRevocationReader, dynamoClientRevocationReader } =
    require('../stores/revocation-reader') as typeof import('../stores/revocation-reader');
  const { createDynamoHttp } = require('../stores/dynamodb-http') as typeof import('../stores/dynamodb-http');
  const db = createDynamoHttp({
    endpoint: config.dynamodbEndpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: roleCredentials,
  });
  return createRevocationChecker({
    read: dynamoRevocationReader({ db, usersTable: config.usersTable, sessionsTable: config.sessionsTable }),
    readClient: dynamoClientRevocationReader({ db, clientsTable: config.clientsTable }),
    cacheSeconds: config.revocationCacheSeconds,
    now: systemClock,
  });
}
