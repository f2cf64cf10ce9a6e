import type { ActivitySeries, HourActivity } from './activity';
import type { AuditPage, AuditRecord } from './audit';
import type { Client } from './clients';
import type { EmailMessage } from './email-messages';
import type { Authentication, Passkey, PendingTotp, TotpFactor } from './factors';
import type { Rotation, RotationResult, Session, SessionSummary } from './sessions';
import type { AttemptRecords } from './throttle';
import type { User, UserSummary } from './users';

/**
 * The storage the flows use, as small interfaces (ports). The DynamoDB stores implement them,
 * and so do the in-memory stores, and one contract suite runs against both
 * (`test/contract/stores.test.ts`), so the two cannot drift apart. Each method says which
 * condition decides it: that condition is the rule, whatever implements it.
 */

/** Users, keyed by normalised username. */
export interface UsersRepo {
  /** `UserExistsError` if the name, or (given a skeleton) a look-alike, is taken. */
  createUser(user: User, skeleton?: string): Promise<void>;
  getUser(username: string): Promise<User | undefined>;
  /** The username of the account that holds this normalised email address. */
  findUsernameByEmail(email: string): Promise<string | undefined>;
  /**
   * `NotFoundError` if there is no such user. With `whileHolding`, commits only while that other
   * user is active and holds that role (`ConflictError` otherwise), atomically.
   */
  updateUser(
    username: string,
    change: { status?: User['status']; roles?: readonly string[] },
    now: number,
    options?: { whileHolding?: { username: string; role: string } },
  ): Promise<User>;
  /** An active user other than `except` who holds `role`. */
  findActiveHolder(role: string, except: string): Promise<string | undefined>;
  /**
   * Only if the hash is still `expectedHash` (`ConflictError` otherwise). Sets
   * `tokensValidAfter = now` unless `keepTokens`; marks the password temporary, or clears the mark.
   * Ends the live reset link, if any; with `resetHash`, only if that is it (a reset through it,
   * which also marks the address verified).
   */
  replacePassword(
    username: string,
    expectedHash: string,
    fresh: { passwordHash: string; pepperVersion: string },
    now: number,
    options?: { keepTokens?: boolean; temporary?: boolean; resetHash?: string },
  ): Promise<void>;
  /** `tokensValidAfter = now`; `NotFoundError` if there is no such user. */
  revokeTokensBefore(username: string, now: number): Promise<void>;
  /** The hash of the one live link of its kind (a newer one replaces it; a verification link for the current address ends a pending change); `NotFoundError` if no user. */
  setLinkHash(username: string, kind: 'reset' | 'verify', hash: string): Promise<void>;
  /**
   * Marks the address verified, only while `hash` is the live verification link's (`ConflictError`
   * otherwise), and spends it. A pending new address becomes the address, in one transaction that
   * claims it (`ConflictError` if another account holds it) and frees the old one.
   */
  verifyEmail(username: string, hash: string, now: number): Promise<void>;
  /** Asks to change the address: `email` waits, with its link's `hash`; `NotFoundError` if no user. */
  requestEmailChange(username: string, email: string, hash: string): Promise<void>;
  /** One page in storage order; `next` is the cursor of the following page. */
  listUsersPage(limit: number, cursor?: string, prefix?: string): Promise<{ users: UserSummary[]; next?: string }>;
  /** Every user, by username. */
  listUsers(): Promise<UserSummary[]>;
  /** Records the skeleton of every user who has none; the names whose skeleton another holds. */
  backfillSkeletons(skeletonOf: (username: string) => string): Promise<{ added: number; lookAlikes: string[] }>;
}

/**
 * A user's second factors, kept on the user's item: each decision below is one conditional write
 * on that item, so two concurrent requests cannot both pass where only one may.
 */
export interface FactorsRepo {
  /** Hands out a TOTP secret to confirm (replacing one not yet confirmed); `ConflictError` if TOTP is active, `NotFoundError` if no user. */
  startTotp(username: string, pending: PendingTotp): Promise<void>;
  /**
   * Activates the pending secret `pendingSeal`, with its first code's step used, and stores the
   * recovery codes given; `ConflictError` unless that secret is still the pending one and TOTP is not active.
   */
  confirmTotp(username: string, pendingSeal: string, factor: TotpFactor, recoveryCodes?: Readonly<Record<string, number>>): Promise<void>;
  /** Marks a time step used: true only if it is later than every step accepted before (RFC 6238 §5.2: no code twice). */
  useTotpStep(username: string, step: number): Promise<boolean>;
  /** Re-seals the active TOTP secret (a pepper rotation), only if it is still `expectedSeal`. */
  resealTotp(username: string, expectedSeal: string, sealedSecret: string): Promise<void>;
  /** False if there was no active TOTP. */
  removeTotp(username: string): Promise<boolean>;
  /** Spends one recovery code by its hash: true once, false for a code unknown or already used. */
  useRecoveryCode(username: string, hash: string): Promise<boolean>;
  /** Replaces every recovery code. `NotFoundError` if no user. */
  replaceRecoveryCodes(username: string, codes: Readonly<Record<string, number>>): Promise<void>;
  /** Registers a credential; `ConflictError` if its id is registered to anyone already. */
  addPasskey(username: string, passkey: Passkey): Promise<void>;
  /** The username a credential id is registered to. */
  findPasskeyOwner(credentialId: string): Promise<string | undefined>;
  /**
   * Records a use of a credential: true only if `counter` is above the stored one, or both are 0
   * (the authenticator keeps no counter). A counter that went back suggests a cloned key (WebAuthn §6.1.1).
   */
  usePasskey(username: string, credentialId: string, counter: number, now: number): Promise<boolean>;
  /** False if there was no such credential. */
  removePasskey(username: string, credentialId: string): Promise<boolean>;
  /** Removes every factor and recovery code of the user (an admin reset). */
  resetFactors(username: string): Promise<void>;
}

/** Sessions (refresh-token families), keyed by session id. */
export interface SessionsRepo {
  /** Fails rather than overwrite an existing id. */
  createSession(session: Session): Promise<void>;
  getSession(sid: string): Promise<Session | undefined>;
  /**
   * Consumes the presented token and installs its successor, only if `currentHash` is the
   * presented hash, the session is active, not expired (`expiresAt > now`) and not idle
   * (`lastUsedAt > idleCutoff`). Otherwise nothing changes and the session comes back as it was.
   */
  rotate(r: Rotation): Promise<RotationResult>;
  /** Revokes an active session; its user id, or undefined when there was no active session. */
  revokeSession(sid: string, now: number, reason: string): Promise<string | undefined>;
  /** A user's sessions, newest first (eventually consistent). */
  listSessionsByUser(userId: string): Promise<SessionSummary[]>;
  /** Re-keys an active session (false if it is not active). */
  setValidFrom(sid: string, validFrom: number): Promise<boolean>;
  /** Records a new authentication in an active session (a step-up): its tokens carry it from then on. False if it is not active. */
  recordAuthentication(sid: string, auth: Authentication): Promise<boolean>;
}

/** Failed-attempt counters and trusted-source markers, each forgotten after its TTL. */
export interface AttemptsRepo {
  /** The records of these keys; records past their TTL count as absent. */
  read(keys: readonly string[], now: number): Promise<AttemptRecords>;
  /** One more failure, atomically; a counter whose last failure is older than the window restarts at one. */
  recordFailure(key: string, now: number, windowSeconds: number): Promise<void>;
  clear(key: string): Promise<void>;
  markTrusted(key: string, now: number, ttlSeconds: number): Promise<void>;
  /**
   * Records `key` as used until `now + ttlSeconds`, only if it is not already (a record past its
   * TTL counts as absent): true the first time, false for a replay, decided by one conditional write.
   */
  claimOnce(key: string, now: number, ttlSeconds: number): Promise<boolean>;
  /** Records a one-time link's token (by its hash, in `key`) for `owner`, until `expiresAt`. */
  putToken(key: string, owner: string, expiresAt: number): Promise<void>;
  /** The owner of a token not yet past its expiry. */
  getTokenOwner(key: string, now: number): Promise<string | undefined>;
}

/** The audit trail, by user, newest first, and the hourly counts the dashboard draws. */
export interface AuditRepo {
  append(record: AuditRecord): Promise<void>;
  listByUser(userId: string, limit: number, cursor?: string): Promise<AuditPage>;
  /** Adds one to `series` in the counts of the hour that `atMs` falls in. */
  countActivity(series: ActivitySeries, atMs: number): Promise<void>;
  /** The counts of these hours (`hourOf`), in their order; an hour with nothing counted has zeros. */
  activity(hours: readonly string[]): Promise<HourActivity[]>;
}

/** OAuth clients, keyed by client id. */
export interface ClientsRepo {
  /** `ConflictError` rather than overwrite an existing id. */
  createClient(client: Client): Promise<void>;
  getClient(clientId: string): Promise<Client | undefined>;
  /**
   * Stores `client` (its `version` one more than `expectedVersion`) only if the stored one is
   * still at `expectedVersion`: `ConflictError` if another change won, `NotFoundError` if it is gone.
   */
  saveClient(client: Client, expectedVersion: number): Promise<void>;
  /** Every client, by id. */
  listClients(): Promise<Client[]>;
  /** False if there was no such client. */
  deleteClient(clientId: string): Promise<boolean>;
}

/**
 * Where mail goes: off the request path. `send` only hands a message over (to SQS on AWS, to an
 * in-process queue in front of SMTP locally) and returns; delivery and its retries happen after.
 * `undefined` hands over nothing, but costs what handing over costs: a request that finds no
 * account takes as long as one that does (no enumeration by timing).
 */
export interface EmailSender {
  send(message: EmailMessage | undefined): Promise<void>;
}

/** What decides whether a token still stands: its session and its user, as stored. */
export interface RevocationState {
  readonly session?: { readonly status: string; readonly userId: string } | undefined;
  readonly user?:
    | {
        readonly userId: string;
        readonly status: string;
        readonly tokensValidAfter?: number | undefined;
        readonly roles?: readonly string[] | undefined;
      }
    | undefined;
}

/** Reads the state of one session and one user (one round trip on AWS). */
export type RevocationReader = (username: string, sid: string) => Promise<RevocationState>;

/** What decides whether a machine client's token still stands: the client, as stored (undefined: deleted). */
export type ClientRevocationReader = (
  clientId: string,
) => Promise<{ readonly status: string; readonly tokensValidAfter?: number | undefined } | undefined>;
