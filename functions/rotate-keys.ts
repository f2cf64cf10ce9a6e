import { awsKeyStore } from './lib/stores/aws-key-store';
import { ConfigError, ENV, loadSettings } from './lib/wiring/config';
import { rotateKeys, type RotationOutcome } from './lib/tokens/key-rotation';
import { createLogger } from './lib/telemetry/logger';

const logger = createLogger();

/**
 * Scheduled (daily) key rotation: publishes a successor when the signing key is old, promotes
 * it once every verifier has had time to see it, and drops retired keys once every token they
 * signed has expired. See `rotateKeys`.
 */
export async function handler(): Promise<RotationOutcome> {
  const secretId = process.env[ENV.secretId];
  const parameterName = process.env[ENV.publicJwksParameter];
  if (!secretId || !parameterName) throw new ConfigError(`${ENV.secretId} and ${ENV.publicJwksParameter} are required`);
  const s = loadSettings();
  const outcome = await rotateKeys(awsKeyStore({ secretId, parameterName }), Math.floor(Date.now() / 1000), {
    rotationIntervalSeconds: s.keyRotationDays * 86_400,
    publishLeadSeconds: s.keyPublishLeadSeconds,
    // A signer may keep its cached old key for one cache TTL after the promotion; then its
    // tokens live for their TTL plus the verifiers' clock tolerance.
    retireAfterSeconds: s.keysCacheTtlSeconds + s.accessTokenTtlSeconds + s.clockToleranceSeconds,
  });
  logger.info('keys_rotated', { event: 'keys_rotated', ...outcome });
  return outcome;
}
