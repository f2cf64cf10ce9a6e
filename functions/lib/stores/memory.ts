import { type ActivitySeries, emptyHour, type HourActivity, hourOf } from '../domain/activity';
import type { AuditPage, AuditRecord } from '../domain/audit';
import { ConflictError, NotFoundError, UserExistsError } from '../domain/errors';
import type { Client } from '../domain/clients';
import type { AttemptsRepo, AuditRepo, ClientsRepo, FactorsRepo, SessionsRepo, UsersRepo } from '../domain/ports';
import type { Authentication, Passkey, PendingTotp, TotpFactor } from '../domain/factors';
import type { Rotation, RotationResult, Session, SessionSummary } from '../domain/sessions';
import type { AttemptRecords } from '../domain/throttle';
import type { User, UserSummary } from '../domain/users';

/**
 * In-memory implementations of the ports, for the flows' unit tests. Each honours the same
 * conditions as its DynamoDB twin, and `test/contract/stores.test.ts` runs one suite against
 * both. A method decides between `await`s, so it is as atomic as the conditional write it
 * stands for.
 */
const copy = <T>(value: T): T => structuredClone(value);
const summary = ({
  passwordHash: _h,
  pepperVersion: _p,
  totp: _t,
  totpPending: _tp,
  passkeys: _k,
  recoveryCodes: _r,
  resetHash: _rh,
  verifyHash: _vh,
  pendingEmail: _pe,
  ...rest
}: User): UserSummary => copy(rest);

/** Users, keyed by normalised username, with the skeletons that keep look-alikes out, and their second factors. */
export class MemoryUsersRepo implements UsersRepo, FactorsRepo {
  private readonly users = new Map<string, User>();
  private readonly skeletons = new Map<string, string>();
  private readonly passkeyOwners = new Map<string, string>();
  private readonly emails = new Map<string, string>();

  /** Applies `change` to the user if `holds`; false (and nothing changed) otherwise, or when there is no user. */
  private change(username: string, holds: (u: User) => boolean, change: (u: User) => User): boolean {
    const user = this.users.get(username);
    if (!user || !holds(user)) return false;
    this.users.set(username, copy(change(user)));
    return true;
  }

  async startTotp(username: string, pending: PendingTotp): Promise<void> {
    const user = this.users.get(username);
    if (!user) throw new NotFoundError(`no user named ${username}`);
    if (
      !this.change(
        username,
        (u) => !u.totp,
        (u) => ({ ...u, totpPending: pending }),
      )
    ) {
      throw new ConflictError('TOTP is already active: remove it first');
    }
  }

  async confirmTotp(username: string, pendingSeal: string, factor: TotpFactor, recoveryCodes?: Readonly<Record<string, number>>) {
    const ok = this.change(
      username,
      (u) => u.totpPending?.sealedSecret === pendingSeal && !u.totp,
      ({ totpPending: _p, ...u }) => ({ ...u, totp: factor, ...(recoveryCodes && { recoveryCodes }) }),
    );
    if (!ok) throw new ConflictError('this TOTP enrolment was replaced or completed by another request');
  }

  async useTotpStep(username: string, step: number): Promise<boolean> {
    return this.change(
      username,
      (u) => u.totp !== undefined && u.totp.lastStep < step,
      (u) => ({ ...u, totp: { ...(u.totp as TotpFactor), lastStep: step } }),
    );
  }

  async resealTotp(username: string, expectedSeal: string, sealedSecret: string): Promise<void> {
    this.change(
      username,
      (u) => u.totp?.sealedSecret === expectedSeal,
      (u) => ({ ...u, totp: { ...(u.totp as TotpFactor), sealedSecret } }),
    );
  }

  async removeTotp(username: string): Promise<boolean> {
    return this.change(
      username,
      (u) => u.totp !== undefined,
      ({ totp: _t, totpPending: _p, ...u }) => u,
    );
  }

  async useRecoveryCode(username: string, hash: string): Promise<boolean> {
    return this.change(
      username,
      (u) => u.recoveryCodes?.[hash] !== undefined,
      (u) => ({ ...u, recoveryCodes: Object.fromEntries(Object.entries(u.recoveryCodes ?? {}).filter(([h]) => h !== hash)) }),
    );
  }

  async replaceRecoveryCodes(username: string, codes: Readonly<Record<string, number>>): Promise<void> {
    if (
      !this.change(
        username,
        () => true,
        (u) => ({ ...u, recoveryCodes: codes }),
      )
    )
      throw new NotFoundError(`no user named ${username}`);
  }

  async addPasskey(username: string, passkey: Passkey): Promise<void> {
    if (!this.users.has(username)) throw new NotFoundError(`no user named ${username}`);
    if (this.passkeyOwners.has(passkey.id)) throw new ConflictError('this credential is registered already');
    this.passkeyOwners.set(passkey.id, username);
    this.change(
      username,
      () => true,
      (u) => ({ ...u, passkeys: { ...u.passkeys, [passkey.id]: passkey } }),
    );
  }

  async findPasskeyOwner(credentialId: string): Promise<string | undefined> {
    return this.passkeyOwners.get(credentialId);
  }

  async usePasskey(username: string, credentialId: string, counter: number, now: number): Promise<boolean> {
    return this.change(
      username,
      (u) => {
        const stored = u.passkeys?.[credentialId]?.counter;
        return stored !== undefined && (stored < counter || (stored === 0 && counter === 0));
      },
      (u) => ({
        ...u,
        passkeys: { ...u.passkeys, [credentialId]: { ...(u.passkeys?.[credentialId] as Passkey), counter, lastUsedAt: now } },
      }),
    );
  }

  async removePasskey(username: string, credentialId: string): Promise<boolean> {
    const removed = this.change(
      username,
      (u) => u.passkeys?.[credentialId] !== undefined,
      (u) => ({ ...u, passkeys: Object.fromEntries(Object.entries(u.passkeys ?? {}).filter(([id]) => id !== credentialId)) }),
    );
    if (removed) this.passkeyOwners.delete(credentialId);
    return removed;
  }

  async resetFactors(username: string): Promise<void> {
    const user = this.users.get(username);
    if (!user) throw new NotFoundError(`no user named ${username}`);
    for (const id of Object.keys(user.passkeys ?? {})) if (this.passkeyOwners.get(id) === username) this.passkeyOwners.delete(id);
    this.change(
      username,
      () => true,
      ({ totp: _t, totpPending: _p, passkeys: _k, recoveryCodes: _r, ...u }) => u,
    );
  }

  async createUser(user: User, skeleton?: string): Promise<void> {
    if (this.users.has(user.username) || (skeleton !== undefined && this.skeletons.has(skeleton))) throw new UserExistsError();
    if (user.email !== undefined && this.emails.has(user.email)) throw new UserExistsError();
    this.users.set(user.username, copy(user));
    if (skeleton !== undefined) this.skeletons.set(skeleton, user.userId);
    if (user.email !== undefined) this.emails.set(user.email, user.userId);
  }

  async getUser(username: string): Promise<User | undefined> {
    const user = this.users.get(username);
    return user && copy(user);
  }

  async findUsernameByEmail(email: string): Promise<string | undefined> {
    const owner = this.emails.get(email);
    return [...this.users.values()].find((u) => u.userId === owner)?.username;
  }

  async updateUser(
    username: string,
    change: { status?: User['status']; roles?: readonly string[] },
    now: number,
    options: { whileHolding?: { username: string; role: string } } = {},
  ): Promise<User> {
    const user = this.users.get(username);
    if (!user) throw new NotFoundError(`no user named ${username}`);
    const holder = options.whileHolding && this.users.get(options.whileHolding.username);
    if (options.whileHolding && !(holder?.status === 'active' && holder.roles.includes(options.whileHolding.role))) {
      throw new ConflictError(`${options.whileHolding.username} changed meanwhile`);
    }
    const next: User = {
      ...user,
      updatedAt: now,
      ...(change.status !== undefined && { status: change.status }),
      ...(change.roles !== undefined && { roles: [...new Set(change.roles)] }),
    };
    this.users.set(username, next);
    return copy(next);
  }

  async findActiveHolder(role: string, except: string): Promise<string | undefined> {
    for (const u of this.users.values()) if (u.username !== except && u.status === 'active' && u.roles.includes(role)) return u.username;
    return undefined;
  }

  async replacePassword(
    username: string,
    expectedHash: string,
    fresh: { passwordHash: string; pepperVersion: string },
    now: number,
    options: { keepTokens?: boolean; temporary?: boolean; resetHash?: string } = {},
  ): Promise<void> {
    const user = this.users.get(username);
    if (!user || user.passwordHash !== expectedHash || (options.resetHash !== undefined && user.resetHash !== options.resetHash)) {
      throw new ConflictError('the password was changed by another request');
    }
    const { mustChangePassword: _old, resetHash: _reset, ...rest } = user;
    this.users.set(username, {
      ...(options.keepTokens ? user : rest),
      ...fresh,
      updatedAt: now,
      ...(!options.keepTokens && { tokensValidAfter: now }),
      ...(options.temporary && { mustChangePassword: true }),
      ...(options.resetHash !== undefined && { emailVerified: true }),
    });
  }

  async setLinkHash(username: string, kind: 'reset' | 'verify', hash: string): Promise<void> {
    const changed = this.change(
      username,
      () => true,
      ({ pendingEmail, ...u }) => ({
        ...u,
        ...(kind === 'reset' && pendingEmail !== undefined && { pendingEmail }),
        [`${kind}Hash`]: hash,
      }),
    );
    if (!changed) throw new NotFoundError(`no user named ${username}`);
  }

  async verifyEmail(username: string, hash: string, now: number): Promise<void> {
    const user = this.users.get(username);
    if (!user || user.verifyHash !== hash) throw new ConflictError('this link was used or replaced');
    const pending = user.pendingEmail;
    if (pending !== undefined && this.emails.has(pending)) throw new ConflictError('this address belongs to another account now');
    if (pending !== undefined) {
      if (user.email !== undefined) this.emails.delete(user.email);
      this.emails.set(pending, user.userId);
    }
    this.change(
      username,
      () => true,
      ({ verifyHash: _v, pendingEmail: _p, ...u }) => ({
        ...u,
        ...(pending !== undefined && { email: pending }),
        emailVerified: true,
        updatedAt: now,
      }),
    );
  }

  async requestEmailChange(username: string, email: string, hash: string): Promise<void> {
    if (
      !this.change(
        username,
        () => true,
        (u) => ({ ...u, pendingEmail: email, verifyHash: hash }),
      )
    ) {
      throw new NotFoundError(`no user named ${username}`);
    }
  }

  async revokeTokensBefore(username: string, now: number): Promise<void> {
    const user = this.users.get(username);
    if (!user) throw new NotFoundError(`no user named ${username}`);
    this.users.set(username, { ...user, tokensValidAfter: now, updatedAt: now });
  }

  async listUsersPage(limit: number, cursor?: string, prefix?: string): Promise<{ users: UserSummary[]; next?: string }> {
    const after = [...this.users.keys()]
      .sort()
      .filter((name) => (cursor === undefined || name > cursor) && (prefix === undefined || name.startsWith(prefix)));
    const page = after.slice(0, limit);
    const users = page.map((name) => summary(this.users.get(name) as User));
    return { users, ...(after.length > limit && { next: page[page.length - 1] as string }) };
  }

  async listUsers(): Promise<UserSummary[]> {
    return [...this.users.values()].map(summary).sort((a, b) => a.username.localeCompare(b.username));
  }

  async backfillSkeletons(skeletonOf: (username: string) => string): Promise<{ added: number; lookAlikes: string[] }> {
    let added = 0;
    const lookAlikes: string[] = [];
    for (const u of [...this.users.values()].sort((a, b) => a.username.localeCompare(b.username))) {
      const skeleton = skeletonOf(u.username);
      const owner = this.skeletons.get(skeleton);
      if (owner !== undefined && owner !== u.userId) {
        lookAlikes.push(u.username);
        continue;
      }
      this.skeletons.set(skeleton, u.userId);
      added++;
    }
    return { added, lookAlikes };
  }
}

/** Sessions, keyed by session id. */
export class MemorySessionsRepo implements SessionsRepo {
  private readonly sessions = new Map<string, Session>();

  async createSession(session: Session): Promise<void> {
    if (this.sessions.has(session.sid)) throw new ConflictError(`session ${session.sid} exists`);
    this.sessions.set(session.sid, copy(session));
  }

  async getSession(sid: string): Promise<Session | undefined> {
    const session = this.sessions.get(sid);
    return session && copy(session);
  }

  async rotate(r: Rotation): Promise<RotationResult> {
    const s = this.sessions.get(r.sid);
    // The condition of SessionsStore.rotate, term for term.
    if (!s || s.currentHash !== r.presentedHash || s.status !== 'active' || !(s.expiresAt > r.now) || !(s.lastUsedAt > r.idleCutoff)) {
      return { rotated: false, session: s && copy(s) };
    }
    const next: Session = {
      ...s,
      currentHash: r.successorHash,
      previousHash: r.presentedHash,
      rotatedAt: r.now,
      successorSealed: r.successorSealed,
      generation: r.nextGeneration,
      lastUsedAt: r.now,
    };
    this.sessions.set(r.sid, next);
    return { rotated: true, session: copy(next) };
  }

  async revokeSession(sid: string, now: number, reason: string): Promise<string | undefined> {
    const s = this.sessions.get(sid);
    if (s?.status !== 'active') return undefined;
    const { successorSealed: _sealed, ...rest } = s;
    this.sessions.set(sid, { ...rest, status: 'revoked', revokedAt: now, revokedReason: reason });
    return s.userId;
  }

  async listSessionsByUser(userId: string): Promise<SessionSummary[]> {
    return [...this.sessions.values()]
      .filter((s) => s.userId === userId)
      .sort((a, b) => b.createdAt - a.createdAt)
      .map(({ sid, userId: owner, status, createdAt, validFrom, lastUsedAt, expiresAt, userAgent, sourceIp }) =>
        copy({
          sid,
          userId: owner,
          status,
          createdAt,
          lastUsedAt,
          expiresAt,
          ...(validFrom !== undefined && { validFrom }),
          ...(userAgent !== undefined && { userAgent }),
          ...(sourceIp !== undefined && { sourceIp }),
        }),
      );
  }

  async setValidFrom(sid: string, validFrom: number): Promise<boolean> {
    const s = this.sessions.get(sid);
    if (s?.status !== 'active') return false;
    this.sessions.set(sid, { ...s, validFrom });
    return true;
  }

  async recordAuthentication(sid: string, auth: Authentication): Promise<boolean> {
    const s = this.sessions.get(sid);
    if (s?.status !== 'active') return false;
    this.sessions.set(sid, { ...s, amr: [...auth.amr], authTime: auth.authTime });
    return true;
  }
}

type AttemptItem = { failures: number; lastFailureAt: number; ttl: number } | { trusted: true; ttl: number };

/** Failure counters and trusted-source markers, each with its TTL. */
export class MemoryAttemptsRepo implements AttemptsRepo {
  private readonly used = new Map<string, number>();
  private readonly items = new Map<string, AttemptItem>();
  private readonly tokens = new Map<string, { owner: string; expiresAt: number }>();

  async read(keys: readonly string[], now: number): Promise<AttemptRecords> {
    const records: AttemptRecords = new Map();
    for (const key of keys) {
      const item = this.items.get(key);
      if (!item || item.ttl <= now) continue;
      records.set(key, 'trusted' in item ? { trusted: true } : { failures: item.failures, lastFailureAt: item.lastFailureAt });
    }
    return records;
  }

  async recordFailure(key: string, now: number, windowSeconds: number): Promise<void> {
    const item = this.items.get(key);
    // AttemptsStore's condition: a counter within its window counts on; otherwise it restarts.
    const counting = item && 'failures' in item && item.lastFailureAt > now - windowSeconds ? item.failures : 0;
    this.items.set(key, { failures: counting + 1, lastFailureAt: now, ttl: now + windowSeconds });
  }

  async clear(key: string): Promise<void> {
    this.items.delete(key);
  }

  async putToken(key: string, owner: string, expiresAt: number): Promise<void> {
    this.tokens.set(key, { owner, expiresAt });
  }

  async getTokenOwner(key: string, now: number): Promise<string | undefined> {
    const token = this.tokens.get(key);
    return token && token.expiresAt > now ? token.owner : undefined;
  }

  async claimOnce(key: string, now: number, ttlSeconds: number): Promise<boolean> {
    const held = this.used.get(key);
    if (held !== undefined && held > now) return false;
    this.used.set(key, now + ttlSeconds);
    return true;
  }

  async markTrusted(key: string, now: number, ttlSeconds: number): Promise<void> {
    this.items.set(key, { trusted: true, ttl: now + ttlSeconds });
  }
}

/** The audit trail, by user. */
export class MemoryAuditRepo implements AuditRepo {
  private readonly records: AuditRecord[] = [];
  /** The dashboard's counts, by hour. */
  private readonly hours = new Map<string, HourActivity>();

  async append(record: AuditRecord): Promise<void> {
    this.records.push(copy(record));
  }

  async listByUser(userId: string, limit: number, cursor?: string): Promise<AuditPage> {
    const mine = this.records
      .filter((r) => r.userId === userId && (cursor === undefined || r.eventId < cursor))
      .sort((a, b) => (a.eventId < b.eventId ? 1 : -1));
    const events = mine.slice(0, limit).map(({ ttl: _ttl, ...rest }) => rest);
    return { events, ...(mine.length > limit && { next: events[events.length - 1]?.eventId as string }) };
  }

  async countActivity(series: ActivitySeries, atMs: number): Promise<void> {
    const hour = hourOf(atMs);
    const counts = this.hours.get(hour) ?? emptyHour(hour);
    this.hours.set(hour, { ...counts, [series]: counts[series] + 1 });
  }

  async activity(hours: readonly string[]): Promise<HourActivity[]> {
    return hours.map((hour) => this.hours.get(hour) ?? emptyHour(hour));
  }
}

/** By client id, in code-unit order, as the DynamoDB store lists them. */
const byClientId = (a: Client, b: Client) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0);

/** OAuth clients, keyed by client id. */
export class MemoryClientsRepo implements ClientsRepo {
  private readonly clients = new Map<string, Client>();

  async createClient(c: Client): Promise<void> {
    if (this.clients.has(c.clientId)) throw new ConflictError(`client ${c.clientId} already exists`);
    this.clients.set(c.clientId, copy(c));
  }

  async getClient(clientId: string): Promise<Client | undefined> {
    const c = this.clients.get(clientId);
    return c && copy(c);
  }

  async saveClient(c: Client, expectedVersion: number): Promise<void> {
    const stored = this.clients.get(c.clientId);
    if (!stored) throw new NotFoundError(`no client ${c.clientId}`);
    if (stored.version !== expectedVersion) throw new ConflictError(`client ${c.clientId} changed meanwhile: retry`);
    this.clients.set(c.clientId, copy({ ...c, version: expectedVersion + 1 }));
  }

  async listClients(): Promise<Client[]> {
    return [...this.clients.values()].map(copy).sort(byClientId);
  }

  async deleteClient(clientId: string): Promise<boolean> {
    return this.clients.delete(clientId);
  }
}

/** A fresh set of in-memory stores. */
export const memoryRepos = () => {
  const users = new MemoryUsersRepo();
  return {
    users,
    factors: users,
    sessions: new MemorySessionsRepo(),
    attempts: new MemoryAttemptsRepo(),
    auditStore: new MemoryAuditRepo(),
    clients: new MemoryClientsRepo(),
  };
};
