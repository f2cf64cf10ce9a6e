import { activityWindow, hourOf } from '../../functions/lib/domain/activity';
import { ServiceUnavailableError } from '../../functions/lib/domain/errors';
import { activityForAdmin } from '../../functions/lib/flows/admin';
import { login } from '../../functions/lib/flows/login';
import { createUser } from '../../functions/lib/flows/users';
import { MemoryAuditRepo } from '../../functions/lib/stores/memory';
import { createAuditTrail } from '../../functions/lib/telemetry/audit';
import { recordingLogger } from '../helpers/harness';
import { memoryHarness } from '../helpers/memory-harness';

const PASSWORD = 'correct horse battery staple';
const from = (ip: string) => ({ requestId: 'r', sourceIp: ip });
const attempt = (h: Awaited<ReturnType<typeof memoryHarness>>, username: string, password: string, ip = '203.0.113.1') =>
  login({ username, password }, from(ip), h.core).then(
    () => 'ok',
    (err: Error) => err.name,
  );

describe('the dashboard window', () => {
  it('is the current hour and the 23 before it, oldest first', () => {
    const hours = activityWindow(Date.UTC(2026, 10, 30, 4, 59, 59));
    expect(hours).toHaveLength(24);
    expect(hours[0]).toBe('2026-11-29T05:00:00Z');
    expect(hours[23]).toBe('2026-11-30T04:00:00Z');
    expect(hourOf(Date.UTC(2026, 10, 30, 5))).toBe('2026-11-30T05:00:00Z');
  });
});

describe('the dashboard counts, on the in-memory stores', () => {
  it('counts sign-ins, failures (unknown names too), throttled attempts, by hour, and forgets them after 24 hours', async () => {
    // Prepare
    const h = await memoryHarness();
    await createUser({ username: 'ann', password: PASSWORD }, from('x'), h.core);

    // Act: one sign-in, five failures (one for a name nobody has), then the sixth is throttled.
    expect(await attempt(h, 'ann', PASSWORD)).toBe('ok');
    for (let i = 0; i < 4; i++) expect(await attempt(h, 'ann', 'wrong password')).toBe('InvalidGrantError');
    expect(await attempt(h, 'nobody', 'wrong password')).toBe('InvalidGrantError');
    expect(await attempt(h, 'ann', 'wrong password')).toBe('InvalidGrantError');
    expect(await attempt(h, 'ann', 'wrong password')).toBe('TooManyAttemptsError');
    h.clock.advance(3600);
    expect(await attempt(h, 'ann', PASSWORD, '198.51.100.9')).toBe('ok');

    // Assess
    const { hours, totals } = await activityForAdmin(h.core);
    expect(totals).toEqual({ sign_ins: 2, failures: 6, throttled: 1, reuse_detected: 0 });
    expect(hours.slice(-2)).toEqual([
      { hour: '2026-11-29T12:00:00Z', sign_ins: 1, failures: 6, throttled: 1, reuse_detected: 0 },
      { hour: '2026-11-29T13:00:00Z', sign_ins: 1, failures: 0, throttled: 0, reuse_detected: 0 },
    ]);
    h.clock.advance(23 * 3600);
    expect((await activityForAdmin(h.core)).totals).toEqual({ sign_ins: 1, failures: 0, throttled: 0, reuse_detected: 0 });
    h.clock.advance(3600);
    expect((await activityForAdmin(h.core)).totals).toEqual({ sign_ins: 0, failures: 0, throttled: 0, reuse_detected: 0 });
  });

  it('fails open when a count cannot be written (a sign-in still succeeds), and closed when the audit record cannot', async () => {
    // Prepare
    const store = new MemoryAuditRepo();
    const logger = recordingLogger();
    const audit = createAuditTrail({ logger, store, now: () => 0, retentionDays: 1 });
    jest.spyOn(store, 'countActivity').mockRejectedValue(new ServiceUnavailableError());

    // Act / Assess
    await expect(audit.record('login_succeeded', { requestId: 'r', userId: 'u-1', sid: 's-1' })).resolves.toBeUndefined();
    await expect(audit.record('login_failed', { requestId: 'r', outcome: 'failure' })).resolves.toBeUndefined();
    expect(logger.lines.filter((l) => l.message === 'activity_count_failed')).toHaveLength(2);
    expect((await store.listByUser('u-1', 10)).events.map((e) => e.event)).toEqual(['login_succeeded']);

    jest.spyOn(store, 'append').mockRejectedValue(new ServiceUnavailableError());
    await expect(audit.record('login_succeeded', { requestId: 'r', userId: 'u-1' })).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
