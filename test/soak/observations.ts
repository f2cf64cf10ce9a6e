/**
 * What the soak's clients saw: every call, every refresh token they were given, and what they
 * did with their families. The invariant checker compares this with the tables. Tokens stay in
 * memory: nothing here is ever written to a file or printed.
 */

/** What a virtual user did. */
export type Operation = 'register' | 'login' | 'refresh' | 'replay' | 'call' | 'logout' | 'logout_all' | 'password' | 'jwks';

/** One HTTP call: when it started and ended (ms since the soak began), and its answer. */
export interface Call {
  readonly vu: number;
  readonly op: Operation;
  readonly start: number;
  readonly end: number;
  /** 0: no answer (the connection failed). */
  readonly status: number;
  readonly requestId?: string | undefined;
  readonly error?: string | undefined;
  /** The family a call was about, when there is one. */
  readonly sid?: string | undefined;
  /** For a protected call: the access token it presented. */
  readonly accessToken?: string | undefined;
}

/** A refresh token a client was given (by a login or a refresh), with its place in its family. */
export interface Grant {
  readonly vu: number;
  readonly sid: string;
  readonly generation: number;
  readonly token: string;
  readonly at: number;
}

/** A stolen, already-rotated token presented again on purpose, past the grace window. */
export interface Replay {
  readonly vu: number;
  readonly sid: string;
  readonly generation: number;
  readonly at: number;
  readonly status: number;
}

/** Everything the clients saw in one soak. */
export class Observations {
  readonly calls: Call[] = [];
  readonly grants: Grant[] = [];
  readonly replays: Replay[] = [];
  /** Access tokens the clients were given, one entry each. */
  readonly accessTokens = new Set<string>();
}

/** The session and generation a refresh token names: sid | generation | secret | tag, base64url (domain/refresh-tokens.ts). */
export function refreshTokenId(token: string): { sid: string; generation: number } {
  const bytes = Buffer.from(token, 'base64url');
  return { sid: bytes.subarray(0, 16).toString('base64url'), generation: bytes.readUInt32BE(16) };
}
