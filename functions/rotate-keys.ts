import { lazyDeps, type DepsInput } from './lib/http/lazy';
import { rotateKeys, type RotationOutcome } from './lib/tokens/key-rotation';
import { defaultRotationDeps, type RotationDeps } from './lib/wiring/keys';

/**
 * Scheduled (daily) key rotation: publishes a successor when the signing key is old, promotes
 * it once every verifier has had time to see it, and drops retired keys once every token they
 * signed has expired. See `rotateKeys`.
 */
export function createHandler(deps: DepsInput<RotationDeps>) {
  const ready = lazyDeps(deps);
  return async (): Promise<RotationOutcome> => {
    const d = await ready();
    const outcome = await rotateKeys(d.store, Math.floor(d.now() / 1000), d.policy);
    d.logger.info('keys_rotated', { event: 'keys_rotated', ...outcome });
    return outcome;
  };
}

export const handler = createHandler(async () => defaultRotationDeps());
