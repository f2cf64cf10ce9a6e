import type { AuthMethod } from './factors';

/**
 * A session: one refresh-token family (RFC 9700 §4.14.2). Only the hash of the current token
 * and of its predecessor are kept. Times are epoch seconds.
 */
export interface Session {
  readonly sid: string;
  readonly userId: string;
  readonly username: string;
  readonly status: 'active' | 'revoked';
  /** Generation of the current token; each rotation adds one. */
  readonly generation: number;
  readonly currentHash: string;
  readonly previousHash?: string;
  readonly rotatedAt?: number;
  /** The current token sealed under its predecessor, so a retry in the grace window gets it again. */
  readonly successorSealed?: string;
  readonly createdAt: number;
  /** Start of the session's validity against the user's `tokensValidAfter` (re-keyed by a password change). */
  readonly validFrom?: number;
  readonly lastUsedAt: number;
  /** Absolute end of the session: no refresh after it. */
  readonly expiresAt: number;
  /** When DynamoDB may delete the item. */
  readonly ttl: number;
  readonly userAgent?: string;
  readonly sourceIp?: string;
  /** What the user proved, and when, at sign-in or the last step-up: every token the session mints carries it. Absent: a password, at `createdAt`. */
  readonly amr?: readonly AuthMethod[];
  readonly authTime?: number;
  readonly revokedAt?: number;
  readonly revokedReason?: string;
}

/** A rotation either happened (and returns the new state) or did not (and returns what was there). */
export type RotationResult =
  | { readonly rotated: true; readonly session: Session }
  | { readonly rotated: false; readonly session: Session | undefined };

/** What a rotation writes. */
export interface Rotation {
  readonly sid: string;
  readonly presentedHash: string;
  readonly successorHash: string;
  readonly successorSealed: string;
  readonly nextGeneration: number;
  readonly now: number;
  /** A session last used at or before this time has gone idle and no longer refreshes. */
  readonly idleCutoff: number;
}

/** Of a session, what a listing by user holds (the by-user index's projection). */
export type SessionSummary = Pick<
  Session,
  'sid' | 'status' | 'createdAt' | 'validFrom' | 'lastUsedAt' | 'expiresAt' | 'userAgent' | 'sourceIp'
>;

/** RFC 6749 §5.1 token response. */
export interface TokenPair {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly refresh_token: string;
}

/** Whether a session still stands, or why not. */
export type SessionState = 'live' | 'session_revoked' | 'session_expired' | 'session_idle' | 'tokens_revoked';

/**
 * The one rule for "is this session still good?" (ASVS 7.3.1, 7.3.2, 7.4.x): not revoked, not
 * past its absolute lifetime, used within the idle timeout, and not older than the user's
 * `tokensValidAfter` (logout-everywhere, a password change, an admin revocation). Refresh,
 * session listing and their tests all ask this. `SessionsRepo.rotate`'s condition is its
 * database-side mirror, and the store contract suite checks that the two agree.
 */
export function sessionState(
  s: Pick<Session, 'status' | 'expiresAt' | 'lastUsedAt' | 'createdAt' | 'validFrom'>,
  now: number,
  idleSeconds: number,
  tokensValidAfter = 0,
): SessionState {
  if (s.status !== 'active') return 'session_revoked';
  if (s.expiresAt <= now) return 'session_expired';
  if (s.lastUsedAt <= now - idleSeconds) return 'session_idle';
  if (tokensValidAfter > (s.validFrom ?? s.createdAt)) return 'tokens_revoked';
  return 'live';
}
