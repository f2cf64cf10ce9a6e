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
  /** How long one call may take. @default 1 000 ms */
  readonly timeoutMs?: number;
  /** Calls before giving up, with a short backoff between them. @default 3 */
  readonly attempts?: number;
}

/** The extension refused for good (a 4xx other than 429): trying again would not help. */
class ExtensionRefusedError extends Error {}

/**
 * A Secrets Manager secret or an SSM parameter, read through the AWS Parameters and Secrets
 * Lambda Extension over localhost. No SDK goes into the bundle, and the extension caches too.
 * Each call is bounded in time, and a timeout, a dropped connection, a 5xx or a 429 is retried
 * a few times (the extension may still be starting during the function's init).
 */
export function extensionSource(kind: 'secret' | 'parameter', id: string, options: ExtensionOptions): DocumentSource {
  const { port, timeoutMs = 1000, attempts = 3 } = options;
  const path =
    kind === 'secret'
      ? `/secretsmanager/get?secretId=${encodeURIComponent(id)}`
      : `/systemsmanager/parameters/get?name=${encodeURIComponent(id)}`;
  const once = async (): Promise<string> => {
    const res = await fetch(`http://localhost:${port}${path}`, {
      headers: { 'X-Aws-Parameters-Secrets-Token': options.token },
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body of a failure is not read: it says nothing we could act on, and never goes in a log.
    if (!res.ok) {
      await res.body?.cancel(); // frees the connection for the next attempt
      const message = `the secrets extension answered ${res.status} for ${kind} ${id}`;
      throw res.status >= 500 || res.status === 429 ? new Error(message) : new ExtensionRefusedError(message);
    }
    const body = (await res.json()) as { SecretString?: string; Parameter?: { Value?: string } };
    const value = kind === 'secret' ? body.SecretString : body.Parameter?.Value;
    if (typeof value !== 'string') throw new ExtensionRefusedError(`${kind} ${id} has no text value`);
    return value;
  };
  return async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once();
      } catch (err) {
        if (err instanceof ExtensionRefusedError) throw err;
        if (attempt >= attempts) throw new Error(`${kind} ${id}: ${(err as Error).message} (${attempt} attempts)`);
      }
      await new Promise((r) => setTimeout(r, 50 * 2 ** (attempt - 1)));
    }
  };
}
