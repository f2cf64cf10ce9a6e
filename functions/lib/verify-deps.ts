import { createAccessTokens, type AccessTokens } from './access-tokens';
import { systemClock, type Clock } from './clock';
import { loadConfig, type Config } from './config';
import { JwkSetKeySource, toPublicJwks, type KeySource } from './keys';
import { createLogger, type AuthLogger } from './logger';
import { loadSecretsFile, type AuthSecrets } from './secrets';

/** What verify-only functions (authorizer, validate, JWKS) need: public keys, no DynamoDB, no private key. */
export interface VerifyDeps {
  readonly keys: KeySource;
  readonly accessTokens: AccessTokens;
  readonly now: Clock;
  readonly logger: AuthLogger;
  readonly jwksMaxAgeSeconds: number;
}

/** Builds verify-only dependencies; only the public half of the key set is kept. */
export function createVerifyDeps(
  config: Pick<Config, 'issuer' | 'audience' | 'accessTokenTtlSeconds' | 'clockToleranceSeconds' | 'jwksMaxAgeSeconds'>,
  secrets: Pick<AuthSecrets, 'signingKeys'>,
  overrides: { now?: Clock; logger?: AuthLogger } = {},
): VerifyDeps {
  const now = overrides.now ?? systemClock;
  const keys = new JwkSetKeySource({ jwks: toPublicJwks(secrets.signingKeys) });
  return {
    keys,
    accessTokens: createAccessTokens({ keys, now, ...config }),
    now,
    logger: overrides.logger ?? createLogger(),
    jwksMaxAgeSeconds: config.jwksMaxAgeSeconds,
  };
}

/** The Lambda composition root of verify-only functions: configuration and keys from the environment. */
export async function defaultVerifyDeps(): Promise<VerifyDeps> {
  const config = loadConfig();
  return createVerifyDeps(config, await loadSecretsFile(config.secretsFile));
}
