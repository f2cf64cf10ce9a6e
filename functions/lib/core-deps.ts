import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createAccessTokens } from './access-tokens';
import { createDocumentClient } from './dynamo';
import { systemClock, type Clock } from './clock';
import { loadConfig, type Config } from './config';
import type { CoreDeps } from './core/types';
import { JwkSetKeySource } from './keys';
import { createLogger, type AuthLogger } from './logger';
import { createPasswordHasher } from './passwords';
import { createRefreshTokens, deriveKey } from './refresh-tokens';
import { loadSecretsFile, type AuthSecrets } from './secrets';
import { SessionsStore } from './sessions-store';
import { UsersStore } from './users-store';

/** Builds the dependencies of the flows that touch DynamoDB and sign tokens. */
export function createCoreDeps(
  config: Omit<Config, 'secretsFile' | 'dynamodbEndpoint' | 'jwksMaxAgeSeconds'>,
  secrets: AuthSecrets,
  client: DynamoDBDocumentClient,
  overrides: { now?: Clock; logger?: AuthLogger } = {},
): CoreDeps {
  const now = overrides.now ?? systemClock;
  const keys = new JwkSetKeySource({ jwks: secrets.signingKeys, signingKid: secrets.signingKid });
  return {
    users: new UsersStore({ client, tableName: config.usersTable }),
    sessions: new SessionsStore({ client, tableName: config.sessionsTable }),
    passwords: createPasswordHasher({ peppers: secrets.peppers, bcryptCost: config.bcryptCost }),
    accessTokens: createAccessTokens({ keys, now, ...config }),
    refreshTokens: createRefreshTokens(secrets.peppers.map((p) => deriveKey(p.secret, 'refresh-token/tag'))),
    now,
    logger: overrides.logger ?? createLogger(),
    sessionTtlSeconds: config.sessionTtlSeconds,
    refreshGraceSeconds: config.refreshGraceSeconds,
    selfRegistration: config.selfRegistration,
  };
}

/** The Lambda composition root of the flows: configuration, secrets and a DynamoDB client. */
export async function defaultCoreDeps(): Promise<CoreDeps> {
  const config = loadConfig();
  const client = createDocumentClient({ endpoint: config.dynamodbEndpoint });
  return createCoreDeps(config, await loadSecretsFile(config.secretsFile), client);
}
