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
    /** The answer's JSON body, when there was one. */
    readonly body: Readonly<Record<string, unknown>> = {},
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
  /**
   * Asks the user for a second factor: after a correct password (`sign-in`, with the factors the
   * account has), or when a route needs a stronger or more recent authentication (`step-up`,
   * RFC 9470). Answer a TOTP code, a recovery code, or `passkeyAnswer()`'s; undefined gives up.
   * Without it, `login` throws `mfa_required` and a step-up challenge reaches the caller.
   */
  readonly onSecondFactor?: (challenge: SecondFactorChallenge) => Promise<SecondFactorAnswer | undefined>;
}

/** What the service asks a second factor for. */
export interface SecondFactorChallenge {
  readonly kind: 'sign-in' | 'step-up';
  /** Sign-in: the factors the account has (`totp`, `webauthn`, `recovery_code`). */
  readonly factors: readonly string[];
  /** Sign-in: the token that carries the password step (for `passkeyAnswer`). */
  readonly mfaToken?: string;
  /** Step-up: how recent the authentication must be, in seconds, if the route says. */
  readonly maxAge?: number;
}

/** One answer to a second-factor challenge. */
export type SecondFactorAnswer =
  | { readonly code: string }
  | { readonly recovery_code: string }
  | { readonly webauthn: { readonly challenge_token: string; readonly response: unknown } };

/** The WebAuthn Level 3 JSON helpers (Chromium 129+, Firefox 119+, Safari 18.4+). */
interface PublicKeyCredentialJson {
  parseCreationOptionsFromJSON(options: unknown): unknown;
  parseRequestOptionsFromJSON(options: unknown): unknown;
}
interface CredentialsContainerJson {
  create(options: { publicKey: unknown }): Promise<{ toJSON(): unknown } | null>;
  get(options: { publicKey: unknown }): Promise<{ toJSON(): unknown } | null>;
}
const webauthn = () => {
  const g = globalThis as { PublicKeyCredential?: PublicKeyCredentialJson; navigator?: { credentials?: CredentialsContainerJson } };
  if (!g.PublicKeyCredential?.parseCreationOptionsFromJSON || !g.navigator?.credentials) {
    throw new AuthClientError(0, 'unsupported', 'this browser has no WebAuthn Level 3 JSON support');
  }
  return { json: g.PublicKeyCredential, credentials: g.navigator.credentials };
};

interface LockManager {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

const memoryStorage = (): TokenStorage => {
  let tokens: StoredTokens | undefined;
  return { get: () => tokens, set: (t) => (tokens = t) };
};

/** Does this answer ask for a step-up (RFC 9470 §3)? Not one that asks to enrol a first factor: no answer could meet that. */
function isStepUpChallenge(res: Response): boolean {
  const challenge = res.headers.get('WWW-Authenticate') ?? '';
  return (
    (res.status === 401 || res.status === 403) && challenge.includes('insufficient_user_authentication') && !challenge.includes('enrol')
  );
}

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
  private readonly onSecondFactor: AuthClientOptions['onSecondFactor'];

  constructor(options: AuthClientOptions) {
    this.base = options.baseUrl.replace(/\/$/, '');
    this.http = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.storage = options.storage ?? memoryStorage();
    this.skewMs = (options.refreshSkewSeconds ?? 30) * 1000;
    this.now = options.now ?? Date.now;
    this.lockName = options.lockName ?? 'auth-service-refresh';
    this.cookies = options.delivery === 'cookie';
    this.onSecondFactor = options.onSecondFactor;
  }

  /** Logs in and keeps the tokens; an account with a second factor is asked for it through `onSecondFactor`. */
  async login(username: string, password: string): Promise<void> {
    try {
      this.keep(await this.post<TokenResponse>('/api/auth/login', { username, password }));
    } catch (err) {
      if (!(err instanceof AuthClientError) || err.error !== 'mfa_required' || !this.onSecondFactor) throw err;
      const { mfa_token, factors } = err.body as { mfa_token: string; factors: string[] };
      const answer = await this.onSecondFactor({ kind: 'sign-in', factors, mfaToken: mfa_token });
      if (!answer) throw err;
      this.keep(await this.post<TokenResponse>('/api/auth/mfa/verify', { mfa_token, ...answer }));
    }
  }

  /** Signs in with a passkey alone (a discoverable credential, verified on the device). */
  async loginWithPasskey(): Promise<void> {
    const { webauthn: answer } = await this.passkeyAnswer();
    this.keep(await this.post<TokenResponse>('/api/auth/passkeys/login', answer));
  }

  /**
   * Asks the browser for a passkey assertion: for the second step of a sign-in (`mfaToken`), or,
   * without one, for a passkey sign-in or a step-up.
   */
  async passkeyAnswer(mfaToken?: string): Promise<{ webauthn: { challenge_token: string; response: unknown } }> {
    const { json, credentials } = webauthn();
    const { options, challenge_token } = await this.post<{ options: unknown; challenge_token: string }>(
      '/api/auth/passkeys/options',
      mfaToken === undefined ? {} : { mfa_token: mfaToken },
    );
    const credential = await credentials.get({ publicKey: json.parseRequestOptionsFromJSON(options) });
    if (!credential) throw new AuthClientError(0, 'cancelled', 'no passkey was chosen');
    return { webauthn: { challenge_token, response: credential.toJSON() } };
  }

  /** Creates a passkey for the signed-in user and registers it; answers the recovery codes of a first factor. */
  async registerPasskey(name = 'passkey'): Promise<{ recovery_codes?: string[] }> {
    const { json, credentials } = webauthn();
    const started = await this.fetch('/api/auth/passkeys/register/options', { method: 'POST' });
    const { options, challenge_token } = (await started.json()) as { options: unknown; challenge_token: string };
    const credential = await credentials.create({ publicKey: json.parseCreationOptionsFromJSON(options) });
    if (!credential) throw new AuthClientError(0, 'cancelled', 'no passkey was created');
    const res = await this.fetch('/api/auth/passkeys/register', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ challenge_token, response: credential.toJSON(), name }),
    });
    const body = (await res.json()) as TokenResponse & { recovery_codes?: string[]; error?: string; error_description?: string };
    if (!res.ok) throw new AuthClientError(res.status, String(body.error), String(body.error_description));
    this.keepAccess(body);
    return body.recovery_codes ? { recovery_codes: body.recovery_codes } : {};
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
   * `fetch` with the access token: refreshed first when it is about to expire, one refresh and
   * retry after a 401, and (with `onSecondFactor`) one step-up and retry when the route asks for
   * a stronger or more recent authentication (RFC 9470: 401, or 403 from the authorizer).
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
    let res = await send(tokens);
    if (res.status === 401 && !isStepUpChallenge(res)) {
      tokens = await this.refresh(tokens);
      res = await send(tokens);
    }
    if (!isStepUpChallenge(res) || !this.onSecondFactor) return res;
    const maxAge = /max_age=(\d+)/.exec(res.headers.get('WWW-Authenticate') ?? '')?.[1];
    const answer = await this.onSecondFactor({ kind: 'step-up', factors: [], ...(maxAge && { maxAge: Number(maxAge) }) });
    if (!answer) return res;
    const stepped = await this.http(this.url('/api/auth/mfa/step-up'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tokens.accessToken}` },
      body: JSON.stringify(answer),
    });
    const body = (await stepped.json()) as TokenResponse & { error?: string; error_description?: string };
    if (!stepped.ok) throw new AuthClientError(stepped.status, String(body.error), String(body.error_description));
    return send(this.keepAccess(body));
  }

  /** A new access token for the same session (a step-up, an enrolment): the refresh token stays. */
  private keepAccess(response: TokenResponse): StoredTokens {
    return this.keep({ ...response, refresh_token: this.storage.get()?.refreshToken ?? '' });
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
    if (!res.ok) {
      throw new AuthClientError(res.status, String(parsed.error ?? 'error'), String(parsed.error_description ?? res.statusText), parsed);
    }
    return parsed as T;
  }
}
