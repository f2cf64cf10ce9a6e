import { readFile } from 'node:fs/promises';

/** Reads one text document (the secrets, or a public JWK set) from where it is kept. */
export type DocumentSource = () => Promise<string>;

/** A local file (the local runtime's data directory). */
export const fileSource =
  (path: string): DocumentSource =>
  () =>
    readFile(path, 'utf8');

/** Where the AWS Parameters and Secrets Lambda Extension listens, and how it authenticates us. */
export interface ExtensionOptions {
  /** PARAMETERS_SECRETS_EXTENSION_HTTP_PORT in Lambda (2773 by default). */
  readonly port: number;
  /** The function's AWS_SESSION_TOKEN. */
  readonly token: string;
}

/**
 * A Secrets Manager secret or an SSM parameter, read through the AWS Parameters and Secrets
 * Lambda Extension over localhost. No SDK goes into the bundle, and the extension caches too.
 */
export function extensionSource(kind: 'secret' | 'parameter', id: string, options: ExtensionOptions): DocumentSource {
  const { port } = options;
  const path =
    kind === 'secret'
      ? `/secretsmanager/get?secretId=${encodeURIComponent(id)}`
      : `/systemsmanager/parameters/get?name=${encodeURIComponent(id)}`;
  return async () => {
    const res = await fetch(`http://localhost:${port}${path}`, {
      headers: { 'X-Aws-Parameters-Secrets-Token': options.token },
    });
    // The body of a failure is not read: it says nothing we could act on, and never goes in a log.
    if (!res.ok) throw new Error(`the secrets extension answered ${res.status} for ${kind} ${id}`);
    const body = (await res.json()) as { SecretString?: string; Parameter?: { Value?: string } };
    const value = kind === 'secret' ? body.SecretString : body.Parameter?.Value;
    if (typeof value !== 'string') throw new Error(`${kind} ${id} has no text value`);
    return value;
  };
}
