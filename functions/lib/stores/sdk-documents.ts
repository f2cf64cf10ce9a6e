import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { DocumentSource } from '../tokens/secret-sources';

/**
 * A secret or a parameter read with the SDK: for regions where the Parameters and Secrets
 * extension has no layer, and stacks whose region is known only at deploy time. The functions
 * cache what they read (the key caches), as the extension would. Bounded like the extension's
 * calls: each attempt at most 2 s, three attempts with the SDK's backoff.
 */
const CLIENT_OPTIONS = { maxAttempts: 3, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 } };

/** One client of each per container, made on first use. */
let secretsClient: SecretsManagerClient | undefined;
let ssmClient: SSMClient | undefined;
function defaultSecretsClient(): SecretsManagerClient {
  secretsClient ??= new SecretsManagerClient(CLIENT_OPTIONS);
  return secretsClient;
}
function defaultSsmClient(): SSMClient {
  ssmClient ??= new SSMClient(CLIENT_OPTIONS);
  return ssmClient;
}

export function sdkSecretSource(secretId: string, client?: SecretsManagerClient): DocumentSource {
  return async () => {
    const c = client ?? defaultSecretsClient();
    const { SecretString } = await c.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (typeof SecretString !== 'string') throw new Error(`secret ${secretId} has no text value`);
    return SecretString;
  };
}

export function sdkParameterSource(name: string, client?: SSMClient): DocumentSource {
  return async () => {
    const c = client ?? defaultSsmClient();
    const value = (await c.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
    if (typeof value !== 'string') throw new Error(`parameter ${name} has no text value`);
    return value;
  };
}
