/**
 * A small, dependency-free client for the auth service, for browsers and Node (anything with
 * `fetch`). It logs in, keeps the tokens, refreshes shortly before the access token expires,
 * retries a request once after a 401, and never runs two refreshes at once: concurrent callers
 * share one (single flight), and across browser tabs the Web Locks API serialises them, so
 * racing refreshes cannot trip the server's reuse detection.
 */

/** The pair the service answers with. */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  /** Absent in cookie mode: the browser keeps it in an HttpOnly cookie. */
  readonly refresh_token?: string;
}

/** Tokens as the client keeps them. */
export interface StoredTokens {
  readonly accessToken: string;
  /** Empty in cookie mode. */
  readonly refreshToken: string;
  /** Epoch milliseconds, by the client's clock. */
  readonly expiresAt: number;
}

/** Where tokens live: memory by default (safest in a browser); share one between tabs if you must. */
export interface TokenStorage {
  get(): StoredTokens | undefined;
  set(tokens: StoredTokens | undefined): void;
}

/** The error the client throws for an answer of the service it cannot act on. */
export class AuthClientError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
    this.name = 'AuthClientError';
  }
}

/** Options of `AuthClient`. */
export interface AuthClientOptions {
  /** The service's base URL, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/prod`. */
  readonly baseUrl: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default in memory */
  readonly storage?: TokenStorage;
  /** Refresh this long before the access token expires. @default 30 s */
  readonly refreshSkewSeconds?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** Name of the Web Lock that serialises refreshes across tabs. @default 'auth-service-refresh' */
  readonly lockName?: string;
  /**
   * `cookie`: the service keeps the refresh token in an HttpOnly cookie the page cannot read
   * (the service must run with AUTH_TOKEN_DELIVERY=cookie); only the access token is held here.
   * @default 'body'
   */
  readonly delivery?: 'body' | 'cookie';
}

interface LockManager {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

const memoryStorage = (): TokenStorage => {
  let tokens: StoredTokens | undefined;
  return { get: () => tokens, set: (t) => (tokens = t) };
};

/** The client. */
export class AuthClient {
  private readonly base: string;
  private readonly http: typeof fetch;
  private readonly storage: TokenStorage;
  private readonly skewMs: number;
  private readonly now: () => number;
  private readonly lockName: string;
  private refreshing: Promise<StoredTokens> | undefined;
  private readonly cookies: boolean;

  constructor(options: AuthClientOptions) {
    this.base = options.baseUrl.replace(/\/$/, '');
    this.http = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.storage = options.storage ?? memoryStorage();
    this.skewMs = (options.refreshSkewSeconds ?? 30) * 1000;
    this.now = options.now ?? Date.now;
    this.lockName = options.lockName ?? 'auth-service-refresh';
    this.cookies = options.delivery === 'cookie';
  }

  /** Logs in and keeps the tokens. */
  async login(username: string, password: string): Promise<void> {
    this.keep(await this.post<TokenResponse>('/api/auth/login', { username, password }));
  }

  /** Ends the session on the server and forgets the tokens (even if the server cannot be reached). */
  async logout(): Promise<void> {
    const tokens = this.storage.get();
    this.storage.set(undefined);
    const body = this.cookies ? undefined : tokens && { refresh_token: tokens.refreshToken };
    if (this.cookies || body) await this.post('/api/auth/logout', body).catch(() => undefined);
  }

  /** Is there a session? */
  get signedIn(): boolean {
    return this.storage.get() !== undefined;
  }

  /**
   * `fetch` with the access token: refreshed first when it is about to expire, and one refresh
   * and retry after a 401.
   */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    let tokens = this.storage.get();
    if (!tokens) throw new AuthClientError(401, 'unauthorized', 'not signed in');
    if (tokens.expiresAt - this.skewMs <= this.now()) tokens = await this.refresh(tokens);
    const send = (t: StoredTokens) =>
      this.http(this.url(path), {
        ...init,
        headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${t.accessToken}` },
      });
    const first = await send(tokens);
    if (first.status !== 401) return first;
    return send(await this.refresh(tokens));
  }

  /** One refresh for every concurrent caller; `stale` is the pair that prompted it. */
  refresh(stale: StoredTokens | undefined = this.storage.get()): Promise<StoredTokens> {
    this.refreshing ??= this.serialised(async () => {
      // Another tab (or an earlier caller) may have refreshed while we waited: use its tokens.
      const current = this.storage.get();
      if (current && stale && current.accessToken !== stale.accessToken) return current;
      // In cookie mode the browser holds the refresh token: after a reload there is nothing here yet.
      if (!current && !this.cookies) throw new AuthClientError(401, 'unauthorized', 'not signed in');
      try {
        return this.keep(
          await this.post<TokenResponse>('/api/auth/refresh', this.cookies ? undefined : { refresh_token: current?.refreshToken }),
        );
      } catch (err) {
        if (err instanceof AuthClientError && err.status === 401) this.storage.set(undefined);
        throw err;
      }
    }).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    return locks ? locks.request(this.lockName, task) : task();
  }

  private keep(response: TokenResponse): StoredTokens {
    const tokens = {
      accessToken: response.access_token,
      refreshToken: response.refresh_token ?? '',
      expiresAt: this.now() + response.expires_in * 1000,
    };
    this.storage.set(tokens);
    return tokens;
  }

  private url(path: string): string {
    return /^https?:\/\//.test(path) ? path : `${this.base}${path}`;
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    const res = await this.http(this.url(path), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) throw new AuthClientError(res.status, String(parsed.error ?? 'error'), String(parsed.error_description ?? res.statusText));
    return parsed as T;
  }
}
