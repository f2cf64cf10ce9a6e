/**
 * For services that call other services: a machine token by the OAuth 2.0 client credentials
 * grant (RFC 6749 §4.4), kept until shortly before it expires, fetched once however many callers
 * ask at the same moment, and fetched again once when a call answers 401 (the token was revoked,
 * or the keys rotated). No dependencies: anything with `fetch`.
 *
 *   const machine = createMachineTokenSource({ tokenEndpoint, clientId, clientSecret, scope: 'orders:read' });
 *   const res = await machine.fetch('https://orders.example.com/orders');
 */

export interface MachineTokenOptions {
  /** The service's `token_endpoint` (its metadata at `/.well-known/oauth-authorization-server`). */
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Space-delimited; absent: every scope the client may have. */
  readonly scope?: string;
  /** RFC 8707: the API the token is for; absent: the client's first audience. */
  readonly resource?: string;
  /** A token is fetched again this long before it expires. @default 60 */
  readonly refreshBeforeSeconds?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The token endpoint refused: `error` is its RFC 6749 §5.2 code (`invalid_client`, `invalid_scope`, ...). */
export class MachineTokenError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly errorDescription: string | undefined,
  ) {
    super(`token endpoint answered ${status} ${error}${errorDescription ? `: ${errorDescription}` : ''}`);
    this.name = 'MachineTokenError';
  }
}

export interface MachineTokenSource {
  /** A valid access token: the kept one, or a new one. */
  token(): Promise<string>;
  /** Forgets the kept token: the next `token()` fetches one. */
  invalidate(): void;
  /** `fetch` with the token as a Bearer; on a 401, one retry with a new token. */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
}

export function createMachineTokenSource(o: MachineTokenOptions): MachineTokenSource {
  const doFetch = o.fetch ?? globalThis.fetch;
  const now = o.now ?? Date.now;
  const margin = (o.refreshBeforeSeconds ?? 60) * 1000;
  let kept: { token: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    // RFC 6749 §2.3.1: id and secret form-urlencoded, then HTTP Basic.
    const basic = btoa(`${formEncode(o.clientId)}:${formEncode(o.clientSecret)}`);
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (o.scope !== undefined) body.set('scope', o.scope);
    if (o.resource !== undefined) body.set('resource', o.resource);
    const res = await doFetch(o.tokenEndpoint, {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body,
    });
    const answer = (await res.json().catch(() => ({}))) as {
      access_token?: unknown;
      expires_in?: unknown;
      error?: unknown;
      error_description?: unknown;
    };
    if (!res.ok || typeof answer.access_token !== 'string') {
      throw new MachineTokenError(
        res.status,
        typeof answer.error === 'string' ? answer.error : 'invalid_response',
        typeof answer.error_description === 'string' ? answer.error_description : undefined,
      );
    }
    const lifetimeMs = (typeof answer.expires_in === 'number' ? answer.expires_in : 0) * 1000;
    kept = { token: answer.access_token, refreshAt: now() + Math.max(0, lifetimeMs - margin) };
    return answer.access_token;
  }

  const source: MachineTokenSource = {
    async token() {
      if (kept && now() < kept.refreshAt) return kept.token;
      // Single flight: every caller waiting now shares this one request.
      inFlight ??= fetchToken().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate() {
      kept = undefined;
    },
    async fetch(input, init = {}) {
      const send = async (token: string) => {
        const headers = new Headers(init.headers);
        headers.set('Authorization', `Bearer ${token}`);
        return doFetch(input, { ...init, headers });
      };
      const first = await send(await source.token());
      if (first.status !== 401) return first;
      source.invalidate();
      return send(await source.token());
    },
  };
  return source;
}

/** application/x-www-form-urlencoded, as RFC 6749 Appendix B asks for the id and secret. */
const formEncode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
