import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { ConflictError, NotFoundError, UserExistsError } from '../../functions/lib/domain/errors';
import { type Session, sessionState } from '../../functions/lib/domain/sessions';
import type { User } from '../../functions/lib/domain/users';
import { type Client, newClientId, newClientSecret } from '../../functions/lib/domain/clients';
import { memoryRepos } from '../../functions/lib/stores/memory';
import { dynamoRepos, type Repos } from '../../functions/lib/wiring/core';
import { createTestTables, localClient, localStoreClient } from '../helpers/harness';

/**
 * One contract, two implementations: the DynamoDB stores (on DynamoDB Local) and the in-memory
 * ones that the flows' unit tests use. If the memory stores drift from DynamoDB's conditions,
 * this suite fails.
 */
const implementations: [string, () => Promise<Repos>][] = [
  ['memory', async () => memoryRepos()],
  ['dynamodb', async () => dynamoRepos(localStoreClient(), await createTestTables(localClient()))],
];

const NOW = 1_800_000_000;
const user = (username: string, over: Partial<User> = {}): User => ({
  userId: randomUUID(),
  username,
  passwordHash: `hash-of-${username}`,
  pepperVersion: '1',
  roles: ['user'],
  status: 'active',
  createdAt: NOW,
  updatedAt: NOW,
  ...over,
});
const session = (over: Partial<Session> = {}): Session => ({
  sid: randomUUID(),
  userId: 'u-1',
  username: 'ann',
  status: 'active',
  generation: 0,
  currentHash: 'h0',
  createdAt: NOW,
  lastUsedAt: NOW,
  expiresAt: NOW + 1000,
  ttl: NOW + 2000,
  ...over,
});

describe.each(implementations)('the %s stores', (_name, make) => {
  let r: Repos;
  beforeEach(async () => {
    r = await make();
  });

  describe('users', () => {
    it('creates once per name, and once per skeleton, atomically', async () => {
      const ann = user('ann');
      await r.users.createUser(ann, 'ann');
      expect(await r.users.getUser('ann')).toEqual(ann);
      await expect(r.users.createUser(user('ann'))).rejects.toThrow(UserExistsError);
      await expect(r.users.createUser(user('аnn'), 'ann')).rejects.toThrow(UserExistsError);
      expect(await r.users.getUser('аnn')).toBeUndefined();
    });

    it('updates status and roles (deduplicated), only while the named holder still holds the role', async () => {
      await expect(r.users.updateUser('nobody', { status: 'disabled' }, NOW)).rejects.toThrow(NotFoundError);
      await r.users.createUser(user('ann'));
      await r.users.createUser(user('boss', { roles: ['admin'] }));
      expect(await r.users.updateUser('ann', { roles: ['a', 'b', 'a'] }, NOW + 1)).toMatchObject({ roles: ['a', 'b'], updatedAt: NOW + 1 });
      await expect(
        r.users.updateUser('ann', { status: 'disabled' }, NOW + 2, { whileHolding: { username: 'boss', role: 'admin' } }),
      ).resolves.toMatchObject({ status: 'disabled' });
      await expect(
        r.users.updateUser('ann', { status: 'active' }, NOW + 3, { whileHolding: { username: 'boss', role: 'ops' } }),
      ).rejects.toThrow(ConflictError);
      expect((await r.users.getUser('ann'))?.status).toBe('disabled');
      expect(await r.users.findActiveHolder('admin', 'ann')).toBe('boss');
      expect(await r.users.findActiveHolder('admin', 'boss')).toBeUndefined();
    });

    it('replaces a password only over the expected hash, and marks or clears a temporary one', async () => {
      await r.users.createUser(user('ann'));
      await expect(r.users.replacePassword('ann', 'stale', { passwordHash: 'x', pepperVersion: '1' }, NOW)).rejects.toThrow(ConflictError);
      await expect(r.users.replacePassword('nobody', 'x', { passwordHash: 'x', pepperVersion: '1' }, NOW)).rejects.toThrow(ConflictError);
      await r.users.replacePassword('ann', 'hash-of-ann', { passwordHash: 't', pepperVersion: '2' }, NOW + 5, { temporary: true });
      expect(await r.users.getUser('ann')).toMatchObject({
        passwordHash: 't',
        pepperVersion: '2',
        tokensValidAfter: NOW + 5,
        mustChangePassword: true,
      });
      await r.users.replacePassword('ann', 't', { passwordHash: 'r', pepperVersion: '2' }, NOW + 6, { keepTokens: true });
      expect(await r.users.getUser('ann')).toMatchObject({ passwordHash: 'r', tokensValidAfter: NOW + 5, mustChangePassword: true });
      await r.users.replacePassword('ann', 'r', { passwordHash: 'n', pepperVersion: '2' }, NOW + 7);
      const after = await r.users.getUser('ann');
      expect(after).toMatchObject({ passwordHash: 'n', tokensValidAfter: NOW + 7 });
      expect(after?.mustChangePassword).toBeUndefined();
    });

    it('revokes tokens of a user who exists, and not of one who does not', async () => {
      await expect(r.users.revokeTokensBefore('nobody', NOW)).rejects.toThrow(NotFoundError);
      await r.users.createUser(user('ann'));
      await r.users.revokeTokensBefore('ann', NOW + 9);
      expect(await r.users.getUser('ann')).toMatchObject({ tokensValidAfter: NOW + 9, updatedAt: NOW + 9 });
    });

    it('gives an email address to one user only, atomically, and leads from the address to its account', async () => {
      await r.users.createUser(user('ann', { email: 'Ann@example.com' }), 'skeleton-ann');
      await expect(r.users.createUser(user('bob', { email: 'Ann@example.com' }), 'skeleton-bob')).rejects.toBeInstanceOf(UserExistsError);
      // Nothing of bob's was written: his name and skeleton are still free.
      await r.users.createUser(user('bob', { email: 'bob@example.com' }), 'skeleton-bob');
      expect(await r.users.findUsernameByEmail('Ann@example.com')).toBe('ann');
      expect(await r.users.findUsernameByEmail('ann@example.com')).toBeUndefined();
      expect((await r.users.listUsers()).map((u) => u.username)).toEqual(['ann', 'bob']);
    });

    it('keeps one live link of each kind: a newer one or a new password ends a reset link, and 10 concurrent resets through one link make one change', async () => {
      await r.users.createUser(user('ann', { email: 'ann@example.com' }));
      const fresh = { passwordHash: 'new', pepperVersion: '1' };
      await r.users.setLinkHash('ann', 'reset', 'r1');
      await r.users.setLinkHash('ann', 'reset', 'r2');
      await expect(r.users.replacePassword('ann', 'hash-of-ann', fresh, NOW, { resetHash: 'r1' })).rejects.toBeInstanceOf(ConflictError);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          r.users.replacePassword('ann', 'hash-of-ann', { ...fresh, passwordHash: `new-${i}` }, NOW, { resetHash: 'r2' }),
        ),
      );
      expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
      expect(await r.users.getUser('ann')).toMatchObject({ emailVerified: true, tokensValidAfter: NOW });
      expect((await r.users.getUser('ann'))?.resetHash).toBeUndefined();

      // A change of address: the new one takes effect at its link, unless another account took it meanwhile.
      await r.users.requestEmailChange('ann', 'ann@example.org', 'v0');
      await r.users.verifyEmail('ann', 'v0', NOW);
      expect(await r.users.getUser('ann')).toMatchObject({ email: 'ann@example.org', emailVerified: true });
      expect([await r.users.findUsernameByEmail('ann@example.org'), await r.users.findUsernameByEmail('ann@example.com')]).toEqual([
        'ann',
        undefined,
      ]);
      await r.users.createUser(user('zed', { email: 'taken@example.com' }));
      await r.users.requestEmailChange('ann', 'taken@example.com', 'v9');
      await expect(r.users.verifyEmail('ann', 'v9', NOW)).rejects.toThrow('this address belongs to another account now');
      expect((await r.users.getUser('ann'))?.email).toBe('ann@example.org');
      await r.users.setLinkHash('ann', 'verify', 'v1');
      await expect(r.users.verifyEmail('ann', 'v0', NOW)).rejects.toBeInstanceOf(ConflictError);
      await r.users.verifyEmail('ann', 'v1', NOW);
      await expect(r.users.verifyEmail('ann', 'v1', NOW)).rejects.toBeInstanceOf(ConflictError);
      await expect(r.users.setLinkHash('nobody', 'reset', 'x')).rejects.toBeInstanceOf(NotFoundError);
      expect(JSON.stringify(await r.users.listUsers())).not.toContain('r2');
    });

    it('pages through every user exactly once, never a hash, never a skeleton item', async () => {
      const names = ['a', 'b', 'c', 'd', 'e'];
      for (const n of names) await r.users.createUser(user(n), `skeleton-${n}`);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await r.users.listUsersPage(2, cursor);
        expect(page.users.length).toBeLessThanOrEqual(2);
        seen.push(...page.users.map((u) => u.username));
        expect(JSON.stringify(page.users)).not.toContain('hash-of');
        cursor = page.next;
      } while (cursor !== undefined);
      expect(seen.sort()).toEqual(names);
      expect((await r.users.listUsers()).map((u) => u.username)).toEqual(names);
      expect(await r.users.backfillSkeletons(() => 'one-for-all')).toMatchObject({ added: 1, lookAlikes: ['b', 'c', 'd', 'e'] });
    });
  });

  it('pages through the users whose name starts with a prefix, each once, in pages of the asked size', async () => {
    for (const n of ['ann', 'anna', 'annie', 'bob-ann', 'b', 'zed']) await r.users.createUser(user(n), `skeleton-${n}`);
    const found: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await r.users.listUsersPage(2, cursor, 'ann');
      expect(page.users.length).toBeLessThanOrEqual(2);
      found.push(...page.users.map((u) => u.username));
      cursor = page.next;
    } while (cursor !== undefined);
    expect(found.sort()).toEqual(['ann', 'anna', 'annie']);
    expect((await r.users.listUsersPage(10, undefined, 'nobody')).users).toEqual([]);
  });

  describe('second factors', () => {
    const passkey = (id: string, counter = 0) => ({ id, publicKey: 'pk', counter, synced: false, name: 'key', createdAt: NOW });

    it('confirms only the pending TOTP secret, once, and accepts each later step once: of 10 concurrent uses of one step exactly one wins', async () => {
      await r.users.createUser(user('ann'));
      await expect(r.factors.confirmTotp('ann', 's1', { sealedSecret: 's1', lastStep: 5, confirmedAt: NOW })).rejects.toBeInstanceOf(
        ConflictError,
      );
      await r.factors.startTotp('ann', { sealedSecret: 's1', expiresAt: NOW + 600 });
      await r.factors.startTotp('ann', { sealedSecret: 's2', expiresAt: NOW + 600 });
      await expect(r.factors.confirmTotp('ann', 's1', { sealedSecret: 's1', lastStep: 5, confirmedAt: NOW })).rejects.toBeInstanceOf(
        ConflictError,
      );
      await r.factors.confirmTotp('ann', 's2', { sealedSecret: 's2', lastStep: 5, confirmedAt: NOW }, { h1: NOW, h2: NOW });
      await expect(r.factors.startTotp('ann', { sealedSecret: 's3', expiresAt: NOW + 600 })).rejects.toBeInstanceOf(ConflictError);
      const ann = await r.users.getUser('ann');
      expect(ann).toMatchObject({ totp: { sealedSecret: 's2', lastStep: 5 }, recoveryCodes: { h1: NOW, h2: NOW } });
      expect(ann?.totpPending).toBeUndefined();

      expect(await r.factors.useTotpStep('ann', 5)).toBe(false);
      expect(await r.factors.useTotpStep('ann', 4)).toBe(false);
      const wins = await Promise.all(Array.from({ length: 10 }, () => r.factors.useTotpStep('ann', 6)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      await r.factors.resealTotp('ann', 'wrong', 's9');
      await r.factors.resealTotp('ann', 's2', 's4');
      expect((await r.users.getUser('ann'))?.totp).toMatchObject({ sealedSecret: 's4', lastStep: 6 });
      expect(await r.factors.removeTotp('ann')).toBe(true);
      expect(await r.factors.removeTotp('ann')).toBe(false);
      expect(await r.factors.useTotpStep('ann', 7)).toBe(false);
      await expect(r.factors.startTotp('nobody', { sealedSecret: 's', expiresAt: NOW })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('spends a recovery code once: of 10 concurrent uses exactly one wins; replacing them forgets the old ones', async () => {
      await r.users.createUser(user('ann'));
      await r.factors.replaceRecoveryCodes('ann', { a: NOW, b: NOW });
      const wins = await Promise.all(Array.from({ length: 10 }, () => r.factors.useRecoveryCode('ann', 'a')));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await r.factors.useRecoveryCode('ann', 'zzz')).toBe(false);
      await r.factors.replaceRecoveryCodes('ann', { c: NOW });
      expect(await r.factors.useRecoveryCode('ann', 'b')).toBe(false);
      expect((await r.users.getUser('ann'))?.recoveryCodes).toEqual({ c: NOW });
      await expect(r.factors.replaceRecoveryCodes('nobody', {})).rejects.toBeInstanceOf(NotFoundError);
    });

    it('registers a credential id to one user only, finds its owner, and records only a rising counter', async () => {
      await r.users.createUser(user('ann'));
      await r.users.createUser(user('bob'));
      await r.factors.addPasskey('ann', passkey('cred-1', 3));
      await r.factors.addPasskey('ann', passkey('cred-2'));
      await expect(r.factors.addPasskey('bob', passkey('cred-1'))).rejects.toBeInstanceOf(ConflictError);
      expect(await r.factors.findPasskeyOwner('cred-1')).toBe('ann');
      expect(await r.factors.findPasskeyOwner('cred-9')).toBeUndefined();

      expect(await r.factors.usePasskey('ann', 'cred-1', 3, NOW)).toBe(false);
      expect(await r.factors.usePasskey('ann', 'cred-1', 4, NOW + 1)).toBe(true);
      expect(await r.factors.usePasskey('ann', 'cred-2', 0, NOW)).toBe(true);
      expect(await r.factors.usePasskey('ann', 'cred-9', 9, NOW)).toBe(false);
      expect((await r.users.getUser('ann'))?.passkeys?.['cred-1']).toMatchObject({ counter: 4, lastUsedAt: NOW + 1 });
      // Listings never carry factors.
      expect(JSON.stringify(await r.users.listUsers())).not.toContain('cred-1');
      expect((await r.users.listUsers()).map((u) => u.username)).toEqual(['ann', 'bob']);

      expect(await r.factors.removePasskey('ann', 'cred-1')).toBe(true);
      expect(await r.factors.removePasskey('ann', 'cred-1')).toBe(false);
      expect(await r.factors.findPasskeyOwner('cred-1')).toBeUndefined();
      await r.factors.addPasskey('bob', passkey('cred-1'));
      expect(await r.factors.findPasskeyOwner('cred-1')).toBe('bob');
    });

    it('resets every factor of a user, and frees their credential ids', async () => {
      await r.users.createUser(user('ann'));
      await r.factors.addPasskey('ann', passkey('cred-1'));
      await r.factors.startTotp('ann', { sealedSecret: 's1', expiresAt: NOW + 600 });
      await r.factors.confirmTotp('ann', 's1', { sealedSecret: 's1', lastStep: 1, confirmedAt: NOW }, { h: NOW });
      await r.factors.resetFactors('ann');
      const ann = await r.users.getUser('ann');
      expect([ann?.totp, ann?.passkeys, ann?.recoveryCodes]).toEqual([undefined, undefined, undefined]);
      expect(await r.factors.findPasskeyOwner('cred-1')).toBeUndefined();
      await expect(r.factors.resetFactors('nobody')).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('sessions', () => {
    const rotation = (s: Session, over: Record<string, unknown> = {}) => ({
      sid: s.sid,
      presentedHash: s.currentHash,
      successorHash: 'h1',
      successorSealed: 'sealed',
      nextGeneration: 1,
      now: NOW + 10,
      idleCutoff: NOW - 100,
      ...over,
    });

    it('rotates exactly when sessionState calls the session live: the database condition mirrors the rule', async () => {
      const IDLE = 100;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom<'active' | 'revoked'>('active', 'revoked'),
          fc.integer({ min: -3, max: 3 }),
          fc.integer({ min: -3, max: 3 }),
          async (status, expiresIn, idleLeft) => {
            const now = NOW + 10;
            const s = session({ status, expiresAt: now + expiresIn, lastUsedAt: now - IDLE + idleLeft });
            await r.sessions.createSession(s);
            const result = await r.sessions.rotate(rotation(s, { now, idleCutoff: now - IDLE }));
            expect(result.rotated).toBe(sessionState(s, now, IDLE) === 'live');
          },
        ),
        { numRuns: 40, seed: 20261129 },
      );
    });

    it('creates once per id, and reads back', async () => {
      const s = session();
      await r.sessions.createSession(s);
      expect(await r.sessions.getSession(s.sid)).toEqual(s);
      await expect(r.sessions.createSession(s)).rejects.toThrow(ConflictError);
    });

    it('rotates only the current token of an active, unexpired, not idle session; otherwise answers the session as it was', async () => {
      const s = session();
      await r.sessions.createSession(s);
      const done = await r.sessions.rotate(rotation(s));
      expect(done).toEqual({
        rotated: true,
        session: {
          ...s,
          currentHash: 'h1',
          previousHash: 'h0',
          rotatedAt: NOW + 10,
          successorSealed: 'sealed',
          generation: 1,
          lastUsedAt: NOW + 10,
        },
      });
      // The spent token again: no change, and the state comes back.
      expect(await r.sessions.rotate(rotation(s))).toEqual({ rotated: false, session: done.session });
      expect(await r.sessions.rotate(rotation(session(), { sid: 'missing' }))).toEqual({ rotated: false, session: undefined });

      for (const [why, over, rot] of [
        ['expired', { expiresAt: NOW + 10 }, {}],
        ['idle', { lastUsedAt: NOW - 100 }, {}],
        ['revoked', { status: 'revoked' as const }, {}],
      ] as const) {
        const t = session(over);
        await r.sessions.createSession(t);
        expect([why, (await r.sessions.rotate(rotation(t, rot))).rotated]).toEqual([why, false]);
      }
    });

    it('revokes an active session once (answering its user), drops the sealed successor, and re-keys only active ones', async () => {
      const s = session({ successorSealed: 'sealed' });
      await r.sessions.createSession(s);
      expect(await r.sessions.setValidFrom(s.sid, NOW + 1)).toBe(true);
      expect(await r.sessions.revokeSession(s.sid, NOW + 2, 'logout')).toBe('u-1');
      expect(await r.sessions.revokeSession(s.sid, NOW + 3, 'logout')).toBeUndefined();
      expect(await r.sessions.revokeSession('missing', NOW, 'logout')).toBeUndefined();
      const after = await r.sessions.getSession(s.sid);
      expect(after).toMatchObject({ status: 'revoked', revokedAt: NOW + 2, revokedReason: 'logout', validFrom: NOW + 1 });
      expect(after?.successorSealed).toBeUndefined();
      expect(await r.sessions.setValidFrom(s.sid, NOW + 4)).toBe(false);
      expect(await r.sessions.setValidFrom('missing', NOW + 4)).toBe(false);
    });

    it('records a step-up only in an active session', async () => {
      const live = session();
      const ended = session({ status: 'revoked' });
      await r.sessions.createSession(live);
      await r.sessions.createSession(ended);
      expect(await r.sessions.recordAuthentication(live.sid, { amr: ['pwd', 'otp', 'mfa'], authTime: NOW + 5 })).toBe(true);
      expect(await r.sessions.recordAuthentication(ended.sid, { amr: ['pwd', 'otp', 'mfa'], authTime: NOW + 5 })).toBe(false);
      expect(await r.sessions.getSession(live.sid)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], authTime: NOW + 5 });
      expect((await r.sessions.getSession(ended.sid))?.amr).toBeUndefined();
    });

    it("lists a user's sessions newest first, with only the index's fields", async () => {
      const userId = randomUUID();
      for (const t of [1, 3, 2]) await r.sessions.createSession(session({ userId, createdAt: NOW + t, sourceIp: '198.51.100.1' }));
      await r.sessions.createSession(session({ userId: 'someone-else' }));
      const list = await r.sessions.listSessionsByUser(userId);
      expect(list.map((s) => s.createdAt)).toEqual([NOW + 3, NOW + 2, NOW + 1]);
      expect(Object.keys(list[0] as object).sort()).toEqual([
        'createdAt',
        'expiresAt',
        'lastUsedAt',
        'sid',
        'sourceIp',
        'status',
        'userId',
      ]);
    });
  });

  describe('attempts', () => {
    it("keeps a link token's owner until its expiry", async () => {
      await r.attempts.putToken('reset#h', 'ann', NOW + 1800);
      expect(await r.attempts.getTokenOwner('reset#h', NOW)).toBe('ann');
      expect(await r.attempts.getTokenOwner('reset#h', NOW + 1800)).toBeUndefined();
      expect(await r.attempts.getTokenOwner('reset#other', NOW)).toBeUndefined();
    });

    it('claims a key once: of 10 concurrent claims exactly one wins, and the key is free again after its TTL', async () => {
      const key = `jti#${randomUUID()}`;
      const wins = await Promise.all(Array.from({ length: 10 }, () => r.attempts.claimOnce(key, NOW, 300)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await r.attempts.claimOnce(key, NOW + 299, 300)).toBe(false);
      expect(await r.attempts.claimOnce(key, NOW + 300, 300)).toBe(true);
    });

    it('counts failures within the window, restarts after it, forgets at TTL, clears and trusts', async () => {
      for (let i = 0; i < 3; i++) await r.attempts.recordFailure('k', NOW + i, 60);
      expect((await r.attempts.read(['k'], NOW + 3)).get('k')).toEqual({ failures: 3, lastFailureAt: NOW + 2 });
      await r.attempts.recordFailure('k', NOW + 200, 60);
      expect((await r.attempts.read(['k'], NOW + 200)).get('k')).toEqual({ failures: 1, lastFailureAt: NOW + 200 });
      expect((await r.attempts.read(['k'], NOW + 260)).has('k')).toBe(false);
      await r.attempts.markTrusted('t', NOW, 30);
      expect((await r.attempts.read(['t', 'k', 'none'], NOW + 29)).get('t')).toEqual({ trusted: true });
      expect((await r.attempts.read(['t'], NOW + 30)).has('t')).toBe(false);
      await r.attempts.clear('k');
      expect((await r.attempts.read(['k'], NOW + 201)).has('k')).toBe(false);
    });

    it('counts every one of 20 concurrent failures', async () => {
      await Promise.all(Array.from({ length: 20 }, () => r.attempts.recordFailure('racing', NOW, 60)));
      expect((await r.attempts.read(['racing'], NOW)).get('racing')).toEqual({ failures: 20, lastFailureAt: NOW });
    });
  });

  describe('audit', () => {
    it("pages a user's events newest first, and only theirs", async () => {
      const userId = randomUUID();
      for (const i of [1, 2, 3]) {
        await r.auditStore.append({
          userId,
          eventId: `2026-01-0${i}#x`,
          event: 'login_succeeded',
          at: NOW + i,
          outcome: 'success',
          ttl: NOW + 999,
        });
      }
      await r.auditStore.append({ userId: 'other', eventId: '2026-01-09#x', event: 'logout', at: NOW, outcome: 'success', ttl: NOW + 999 });
      const first = await r.auditStore.listByUser(userId, 2);
      expect(first.events.map((e) => e.eventId)).toEqual(['2026-01-03#x', '2026-01-02#x']);
      expect(first.events[0]).not.toHaveProperty('ttl');
      const second = await r.auditStore.listByUser(userId, 2, first.next);
      expect(second.events.map((e) => e.eventId)).toEqual(['2026-01-01#x']);
    });
  });

  describe('dashboard counts', () => {
    const at = Date.UTC(2026, 10, 30, 4, 30);
    const hour = (h: number) => `2026-11-30T${String(h).padStart(2, '0')}:00:00Z`;

    it('adds every one of 40 concurrent counts to its hour and series, and reads an hour with none as zeros', async () => {
      await Promise.all(Array.from({ length: 40 }, () => r.auditStore.countActivity('sign_ins', at)));
      await r.auditStore.countActivity('failures', at + 1000);
      await r.auditStore.countActivity('reuse_detected', at + 3_600_000);
      expect(await r.auditStore.activity([hour(3), hour(4), hour(5)])).toEqual([
        { hour: hour(3), sign_ins: 0, failures: 0, throttled: 0, reuse_detected: 0 },
        { hour: hour(4), sign_ins: 40, failures: 1, throttled: 0, reuse_detected: 0 },
        { hour: hour(5), sign_ins: 0, failures: 0, throttled: 0, reuse_detected: 1 },
      ]);
      expect((await r.auditStore.listByUser('activity', 10)).events).toEqual([]);
    });

    it('reads more hours than one BatchGetItem holds, in the order asked', async () => {
      await r.auditStore.countActivity('throttled', Date.UTC(2026, 10, 28, 0, 5));
      const hours = Array.from({ length: 48 }, (_, i) => new Date(Date.UTC(2026, 10, 28, 47 - i)).toISOString().replace('.000Z', 'Z'));
      const read = await r.auditStore.activity(hours);
      expect(read.map((h) => h.hour)).toEqual(hours);
      expect(read.filter((h) => h.throttled > 0).map((h) => h.hour)).toEqual(['2026-11-28T00:00:00Z']);
    });
  });

  describe('clients', () => {
    const client = (over: Partial<Client> = {}): Client => ({
      clientId: newClientId(),
      name: 'nightly job',
      status: 'active',
      scopes: ['orders:read'],
      audiences: ['https://api.example.com'],
      accessTokenTtlSeconds: 3600,
      authMethod: 'client_secret_basic',
      secrets: [newClientSecret(NOW).stored],
      createdAt: NOW,
      updatedAt: NOW,
      version: 1,
      ...over,
    });

    it('creates a client once, reads it back, and refuses a second with the same id', async () => {
      const c = client();
      await r.clients.createClient(c);
      expect(await r.clients.getClient(c.clientId)).toEqual(c);
      await expect(r.clients.createClient({ ...c, name: 'other' })).rejects.toBeInstanceOf(ConflictError);
      expect((await r.clients.getClient(c.clientId))?.name).toBe('nightly job');
      expect(await r.clients.getClient('no-such-client-id')).toBeUndefined();
    });

    it('saves a change only over the version it read: of two changes from one read, one wins', async () => {
      const c = client();
      await r.clients.createClient(c);
      const results = await Promise.allSettled([
        r.clients.saveClient({ ...c, scopes: ['a'] }, c.version),
        r.clients.saveClient({ ...c, scopes: ['b'] }, c.version),
      ]);
      expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
      expect((results.find((x) => x.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      const stored = await r.clients.getClient(c.clientId);
      expect(stored?.version).toBe(c.version + 1);
      expect([['a'], ['b']]).toContainEqual(stored?.scopes);
      await expect(r.clients.saveClient(client(), 1)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('lists clients by id and deletes one, saying whether it was there', async () => {
      const [a, b] = [client(), client()];
      await r.clients.createClient(a);
      await r.clients.createClient(b);
      const ids = (await r.clients.listClients()).map((c) => c.clientId);
      expect(ids).toEqual(expect.arrayContaining([a.clientId, b.clientId]));
      expect(ids).toEqual([...ids].sort());
      expect(await r.clients.deleteClient(a.clientId)).toBe(true);
      expect(await r.clients.deleteClient(a.clientId)).toBe(false);
      expect(await r.clients.getClient(a.clientId)).toBeUndefined();
    });
  });
});
