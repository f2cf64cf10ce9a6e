import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { JSONWebKeySet } from 'jose';
import type { KeyStore } from '../tokens/key-rotation';

/** The secrets in Secrets Manager, the public set in an SSM parameter (public data, no KMS needed). */
export function awsKeyStore(options: {
  secretId: string;
  parameterName: string;
  secrets?: SecretsManagerClient;
  ssm?: SSMClient;
}): KeyStore {
  const secrets = options.secrets ?? new SecretsManagerClient({});
  const ssm = options.ssm ?? new SSMClient({});
  const notFound = (err: unknown) =>
    (err as { name?: string }).name === 'ResourceNotFoundException' || (err as { name?: string }).name === 'ParameterNotFound';
  return {
    async readSecrets() {
      try {
        return (await secrets.send(new GetSecretValueCommand({ SecretId: options.secretId }))).SecretString;
      } catch (err) {
        if (notFound(err)) return undefined;
        throw err;
      }
    },
    async writeSecrets(document) {
      await secrets.send(new PutSecretValueCommand({ SecretId: options.secretId, SecretString: document }));
    },
    async readPublicJwks() {
      try {
        const value = (await ssm.send(new GetParameterCommand({ Name: options.parameterName }))).Parameter?.Value;
        return value ? (JSON.parse(value) as JSONWebKeySet) : undefined;
      } catch (err) {
        if (notFound(err)) return undefined;
        throw err;
      }
    },
    async writePublicJwks(jwks) {
      await ssm.send(
        new PutParameterCommand({ Name: options.parameterName, Value: JSON.stringify(jwks), Type: 'String', Overwrite: true }),
      );
    },
  };
}
