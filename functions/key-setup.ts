import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { lazyDeps, type DepsInput } from './lib/http/lazy';
import { setUpKeys } from './lib/tokens/key-rotation';
import { defaultKeySetupDeps, type KeySetupDeps } from './lib/wiring/keys';

/**
 * Custom resource (CDK Provider framework) that creates the signing key and pepper inside AWS
 * on the first deploy and publishes the public key set. Nothing secret goes back to
 * CloudFormation: the answer carries no data. Updates keep the existing secrets, and a secret
 * with content that does not parse fails the deployment.
 */
export function createHandler(deps: DepsInput<KeySetupDeps>) {
  const ready = lazyDeps(deps);
  return async (event: CloudFormationCustomResourceEvent): Promise<{ PhysicalResourceId: string }> => {
    const d = await ready();
    const { SecretId, ParameterName } = event.ResourceProperties as unknown as { SecretId: string; ParameterName: string };
    const physicalId = `auth-keys:${ParameterName}`;
    if (event.RequestType === 'Delete') {
      // The public set goes with the stack; the secret follows its own removal policy.
      await d.deleteParameter(ParameterName).catch(() => undefined);
      return { PhysicalResourceId: physicalId };
    }
    const outcome = await setUpKeys(d.storeFor(SecretId, ParameterName), Math.floor(d.now() / 1000));
    d.logger.info('keys_set_up', { event: 'keys_set_up', outcome });
    return { PhysicalResourceId: physicalId };
  };
}

export const handler = createHandler(async () => defaultKeySetupDeps());
