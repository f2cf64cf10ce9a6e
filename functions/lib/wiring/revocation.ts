import { createRevocationChecker, type RevocationChecker } from '../authz/revocation';
import { systemClock } from '../domain/clock';
import type { Config } from './config';

/**
 * The revocation check as configured, or undefined when it is off. It reads DynamoDB, so it
 * brings the SDK: a bundle built with AUTH_REVOCATION_CHECK defined as "false" (a build-time
 * flag, for esbuild's `define`) drops this branch, and the SDK with it.
 */
export function revocationCheckerFromConfig(
  config: Pick<Config, 'revocationCheck' | 'revocationCacheSeconds' | 'dynamodbEndpoint' | 'usersTable' | 'sessionsTable' | 'clientsTable'>,
): RevocationChecker | undefined {
  if (process.env.AUTH_REVOCATION_CHECK === 'false' || !config.revocationCheck) return undefined;
  const { dynamoRevocationReader, dynamoClientRevocationReader } =
    require('../stores/revocation-reader') as typeof import('../stores/revocation-reader');
  const { createDocumentClient } = require('./dynamo-client') as typeof import('./dynamo-client');
  const client = createDocumentClient({ endpoint: config.dynamodbEndpoint });
  return createRevocationChecker({
    read: dynamoRevocationReader({ client, usersTable: config.usersTable, sessionsTable: config.sessionsTable }),
    readClient: dynamoClientRevocationReader({ client, clientsTable: config.clientsTable }),
    cacheSeconds: config.revocationCacheSeconds,
    now: systemClock,
  });
}
