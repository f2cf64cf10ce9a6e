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

/*
 * On AWS, secrets and parameters come through the Parameters and Secrets extension, or with the
 * SDK where the stack has no extension layer. AUTH_SECRETS_VIA is a build-time switch (esbuild's
 * `define`, like AUTH_REVOCATION_CHECK): a bundle built for the extension holds no SDK client for
 * them, so the comparison is written out at each use for esbuild to fold.
 */
const sdkDocuments = () => require('../stores/sdk-documents') as typeof import('../stores/sdk-documents');

/** The private secrets (signing keys and peppers): a file locally, Secrets Manager on AWS. */
export function privateSecretsSource(config: Pick<Config, 'secretsFile' | 'secretId'>): DocumentSource {
  if (config.secretsFile) return fileSource(config.secretsFile);
  if (!config.secretId) throw new ConfigError(`${ENV.secretId} or ${ENV.secretsFile} is required`);
  if (process.env.AUTH_SECRETS_VIA === 'sdk') return sdkDocuments().sdkSecretSource(config.secretId);
  return extensionSource('secret', config.secretId, lambdaExtension());
}

/** An SSM parameter, on AWS. */
export function parameterSource(name: string): DocumentSource {
  if (process.env.AUTH_SECRETS_VIA === 'sdk') return sdkDocuments().sdkParameterSource(name);
  return extensionSource('parameter', name, lambdaExtension());
}

/** The public JWK set, for functions that only verify: never a private key in their memory. */
export function publicJwksSource(config: Pick<Config, 'secretsFile' | 'secretId' | 'publicJwksParameter'>): () => Promise<JSONWebKeySet> {
  if (config.publicJwksParameter) {
    const read = parameterSource(config.publicJwksParameter);
    return async () => toPublicJwks(JSON.parse(await read()) as JSONWebKeySet);
  }
  const read = privateSecretsSource(config);
  return async () => toPublicJwks(parseSecrets(await read()).signingKeys);
}
