import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CLIENT_AUTH_METHODS_SUPPORTED } from '../contract/oauth';
import { isScope } from '../contract/scopes';
import { InvalidRequestError, InvalidScopeError } from './errors';

/** How a client authenticates at the token endpoint (RFC 6749 §2.3.1). */
export const CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS_SUPPORTED;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** One of a client's secrets, as stored: its hash only. Two may be live at once, for a rotation. */
export interface ClientSecret {
  /** Names the secret in listings and revocations; not secret. */
  readonly id: string;
  readonly hash: string;
  readonly createdAt: number;
  /** After this (epoch seconds) the secret no longer authenticates: the old one of a rotation. */
  readonly expiresAt?: number;
}

/** A machine client (a service, a job), as stored. Times are epoch seconds. */
export interface Client {
  /** The `client_id`, and the `sub` of its tokens. */
  readonly clientId: string;
  readonly name: string;
  readonly status: 'active' | 'disabled';
  /** The scopes its tokens may carry; a request asks for some or, by default, all of them. */
  readonly scopes: readonly string[];
  /** The audiences (RFC 8707 resources) its tokens may name; the first is the default. */
  readonly audiences: readonly string[];
  readonly accessTokenTtlSeconds: number;
  readonly authMethod: ClientAuthMethod;
  /** Secret clients' secrets (none for `private_key_jwt`). */
  readonly secrets: readonly ClientSecret[];
  /** A `private_key_jwt` client's public keys, which verify its assertions. */
  readonly jwks?: { readonly keys: readonly Record<string, unknown>[] };
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Tokens issued before this (epoch seconds) are refused: set when the client is disabled. */
  readonly tokensValidAfter?: number;
  /** Bumped by every change: a change commits only over the version it read. */
  readonly version: number;
}

/** A client as listings show it: never a hash. */
export type ClientSummary = Omit<Client, 'secrets'> & { readonly secrets: readonly Omit<ClientSecret, 'hash'>[] };

export const toClientSummary = (c: Client): ClientSummary => ({
  ...c,
  secrets: c.secrets.map(({ hash: _hash, ...rest }) => rest),
});

/** A new client id: 128 random bits, base64url. */
export const newClientId = (): string => randomBytes(16).toString('base64url');

/** Client ids we issue, and nothing else: the same grammar guards every lookup. */
export const isClientId = (value: unknown): value is string => typeof value === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(value);

/** A new secret: 256 random bits, base64url; shown once, then only its hash is kept. */
export function newClientSecret(now: number, expiresAt?: number): { secret: string; stored: ClientSecret } {
  const secret = randomBytes(32).toString('base64url');
  return {
    secret,
    stored: { id: randomBytes(6).toString('base64url'), hash: hashClientSecret(secret), createdAt: now, ...(expiresAt && { expiresAt }) },
  };
}

/**
 * SHA-256 of a client secret. A slow, salted hash (bcrypt, Argon2) is for passwords, which people
 * choose from a small space; a 256-bit random secret cannot be guessed or looked up in a table,
 * so one fast hash keeps it just as safe at rest (OWASP Password Storage Cheat Sheet, whose
 * work factors target low-entropy secrets; NIST SP 800-63B §5.1.1.2 asks for them only for
 * memorized secrets) and lets the token endpoint answer in microseconds.
 */
export const hashClientSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('base64url');

/** The live secret that `presented` is, compared in constant time; undefined if none. */
export function matchingSecret(client: Client, presented: string, now: number): ClientSecret | undefined {
  const hash = Buffer.from(hashClientSecret(presented));
  let found: ClientSecret | undefined;
  for (const s of client.secrets) {
    const stored = Buffer.from(s.hash);
    if (stored.length === hash.length && timingSafeEqual(stored, hash) && (s.expiresAt === undefined || s.expiresAt > now)) found = s;
  }
  return found;
}

/** A `scope` parameter (space-delimited, RFC 6749 §3.3), deduplicated; `InvalidScopeError` naming a malformed one. */
export function parseScope(raw: string): string[] {
  const scopes = raw.split(' ').filter((s) => s !== '');
  for (const s of scopes) if (!isScope(s)) throw new InvalidScopeError(`scope ${JSON.stringify((s as string).slice(0, 64))} is malformed`);
  return [...new Set(scopes)];
}

/** The scopes a token gets: those asked for, all of them allowed, or every allowed one when none is asked for. */
export function grantScopes(requested: readonly string[] | undefined, allowed: readonly string[]): string[] {
  if (requested === undefined || requested.length === 0) return [...allowed];
  const extra = requested.filter((s) => !allowed.includes(s));
  if (extra.length > 0) throw new InvalidScopeError(`the client may not have scope ${JSON.stringify(extra[0])}`);
  return [...requested];
}

/** Scopes and audiences of a registration, checked; `InvalidRequestError` names the first bad one. */
export function checkRegistration(r: { scopes: readonly unknown[]; audiences: readonly unknown[] }): {
  scopes: string[];
  audiences: string[];
} {
  if (r.scopes.length > 50) throw new InvalidRequestError('at most 50 scopes');
  for (const s of r.scopes) if (!isScope(s)) throw new InvalidRequestError(`scope ${JSON.stringify(s)} is malformed (RFC 6749 §3.3)`);
  if (r.audiences.length === 0 || r.audiences.length > 10) throw new InvalidRequestError('1 to 10 audiences');
  for (const a of r.audiences) {
    if (typeof a !== 'string' || !URL.canParse(a) || a.length > 512)
      throw new InvalidRequestError(`audience ${JSON.stringify(a)} must be an absolute URI (RFC 8707 §2)`);
  }
  return { scopes: [...new Set(r.scopes as string[])], audiences: [...new Set(r.audiences as string[])] };
}

/**
 * A `private_key_jwt` client's public key set, checked: 1 to 5 RSA or P-256 EC public keys, no
 * private part; `InvalidRequestError` names the first bad one. Only the public members are kept.
 */
export function checkClientJwks(jwks: unknown): { keys: Record<string, unknown>[] } {
  const keys = (jwks as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > 5) throw new InvalidRequestError('jwks must hold 1 to 5 public keys');
  return {
    keys: keys.map((k: Record<string, unknown>, i) => {
      const str = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length < 2048;
      if (typeof k !== 'object' || k === null || 'd' in k || 'p' in k || 'k' in k)
        throw new InvalidRequestError(`jwks key ${i} must be a public key`);
      const common = { ...(str(k.kid) && { kid: k.kid }), ...(str(k.alg) && { alg: k.alg }), use: 'sig' };
      if (k.alg !== undefined && k.alg !== 'RS256' && k.alg !== 'ES256')
        throw new InvalidRequestError(`jwks key ${i}: alg must be RS256 or ES256`);
      if (k.kty === 'RSA' && str(k.n) && str(k.e)) return { kty: 'RSA', n: k.n, e: k.e, ...common };
      if (k.kty === 'EC' && k.crv === 'P-256' && str(k.x) && str(k.y)) return { kty: 'EC', crv: 'P-256', x: k.x, y: k.y, ...common };
      throw new InvalidRequestError(`jwks key ${i} must be an RSA or P-256 EC public key`);
    }),
  };
}
