import type { JSONWebKeySet } from 'jose';
import { toPublicJwks } from '../tokens/key-source';
import { parseSecrets } from '../tokens/secrets';
import { type DocumentSource, type ExtensionOptions, extensionSource, fileSource } from '../tokens/secret-sources';
import { ConfigError, ENV, type Config } from './config';

/** The Lambda extension as the function's environment describes it. */
const lambdaExtension = (): ExtensionOptions => ({
  port: Number(process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773),
  token: process.env.AWS_SESSION_TOKEN ?? '',
});

/** The private secrets (signing keys and peppers): a file locally, Secrets Manager on AWS. */
export function privateSecretsSource(config: Pick<Config, 'secretsFile' | 'secretId'>): DocumentSource {
  if (config.secretsFile) return fileSource(config.secretsFile);
  if (config.secretId) return extensionSource('secret', config.secretId, lambdaExtension());
  throw new ConfigError(`${ENV.secretId} or ${ENV.secretsFile} is required`);
}

/** An SSM parameter, through the Lambda extension. */
export const parameterSource = (name: string): DocumentSource => extensionSource('parameter', name, lambdaExtension());

/** The public JWK set, for functions that only verify: never a private key in their memory. */
export function publicJwksSource(config: Pick<Config, 'secretsFile' | 'secretId' | 'publicJwksParameter'>): () => Promise<JSONWebKeySet> {
  if (config.publicJwksParameter) {
    const read = parameterSource(config.publicJwksParameter);
    return async () => toPublicJwks(JSON.parse(await read()) as JSONWebKeySet);
  }
  const read = privateSecretsSource(config);
  return async () => toPublicJwks(parseSecrets(await read()).signingKeys);
}
