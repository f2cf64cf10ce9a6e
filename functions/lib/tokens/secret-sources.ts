import { readFile } from 'node:fs/promises';
import type { JSONWebKeySet } from 'jose';
import { ConfigError, ENV, type Config } from '../wiring/config';
import { toPublicJwks } from './key-source';
import { parseSecrets } from './secrets';

/** Reads one text document (the secrets, or a public JWK set) from where it is kept. */
export type DocumentSource = () => Promise<string>;

/** A local file (the local runtime's data directory). */
export const fileSource =
  (path: string): DocumentSource =>
  () =>
    readFile(path, 'utf8');

/** Where the AWS Parameters and Secrets Lambda Extension listens, and how it authenticates us. */
export interface ExtensionOptions {
  /** @default PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, or 2773 */
  readonly port?: number;
  /** @default AWS_SESSION_TOKEN */
  readonly token?: string;
}

/**
 * A Secrets Manager secret or an SSM parameter, read through the AWS Parameters and Secrets
 * Lambda Extension over localhost. No SDK goes into the bundle, and the extension caches too.
 */
export function extensionSource(kind: 'secret' | 'parameter', id: string, options: ExtensionOptions = {}): DocumentSource {
  const port = options.port ?? Number(process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773);
  const path =
    kind === 'secret'
      ? `/secretsmanager/get?secretId=${encodeURIComponent(id)}`
      : `/systemsmanager/parameters/get?name=${encodeURIComponent(id)}`;
  return async () => {
    const res = await fetch(`http://localhost:${port}${path}`, {
      headers: { 'X-Aws-Parameters-Secrets-Token': options.token ?? process.env.AWS_SESSION_TOKEN ?? '' },
    });
    // The body of a failure is not read: it says nothing we could act on, and never goes in a log.
    if (!res.ok) throw new Error(`the secrets extension answered ${res.status} for ${kind} ${id}`);
    const body = (await res.json()) as { SecretString?: string; Parameter?: { Value?: string } };
    const value = kind === 'secret' ? body.SecretString : body.Parameter?.Value;
    if (typeof value !== 'string') throw new Error(`${kind} ${id} has no text value`);
    return value;
  };
}

/** The private secrets (signing keys and peppers): a file locally, Secrets Manager on AWS. */
export function privateSecretsSource(config: Pick<Config, 'secretsFile' | 'secretId'>): DocumentSource {
  if (config.secretsFile) return fileSource(config.secretsFile);
  if (config.secretId) return extensionSource('secret', config.secretId);
  throw new ConfigError(`${ENV.secretId} or ${ENV.secretsFile} is required`);
}

/** The public JWK set, for functions that only verify: never a private key in their memory. */
export function publicJwksSource(config: Pick<Config, 'secretsFile' | 'secretId' | 'publicJwksParameter'>): () => Promise<JSONWebKeySet> {
  if (config.publicJwksParameter) {
    const read = extensionSource('parameter', config.publicJwksParameter);
    return async () => toPublicJwks(JSON.parse(await read()) as JSONWebKeySet);
  }
  const read = privateSecretsSource(config);
  return async () => toPublicJwks(parseSecrets(await read()).signingKeys);
}
