import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { DeleteParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { awsKeyStore } from './lib/stores/aws-key-store';
import { setUpKeys } from './lib/tokens/key-rotation';
import { createLogger } from './lib/telemetry/logger';

const logger = createLogger();
const ssm = new SSMClient({});

/**
 * Custom resource (CDK Provider framework) that creates the signing key and pepper inside AWS
 * on the first deploy and publishes the public key set. Nothing secret goes back to
 * CloudFormation: the answer carries no data. Updates keep the existing secrets.
 */
export async function handler(event: CloudFormationCustomResourceEvent): Promise<{ PhysicalResourceId: string }> {
  const { SecretId, ParameterName } = event.ResourceProperties as unknown as { SecretId: string; ParameterName: string };
  const physicalId = `auth-keys:${ParameterName}`;
  if (event.RequestType === 'Delete') {
    // The public set goes with the stack; the secret follows its own removal policy.
    await ssm.send(new DeleteParameterCommand({ Name: ParameterName })).catch(() => undefined);
    return { PhysicalResourceId: physicalId };
  }
  const outcome = await setUpKeys(awsKeyStore({ secretId: SecretId, parameterName: ParameterName, ssm }), Math.floor(Date.now() / 1000));
  logger.info('keys_set_up', { event: 'keys_set_up', outcome });
  return { PhysicalResourceId: physicalId };
}
