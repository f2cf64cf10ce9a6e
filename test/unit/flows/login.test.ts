import { InvalidGrantError, TooManyAttemptsError } from '../../../functions/lib/domain/errors';
import { login } from '../../../functions/lib/flows/login';
import { createUser } from '../../../functions/lib/flows/users';
import { memoryHarness } from '../../helpers/memory-harness';

const PASSWORD = 'correct horse battery staple';
const from = (ip: string) => ({ requestId: 'r', sourceIp: ip });
/** The outcome of one login: 'ok', 'refused', or the seconds a throttled one must wait. */
async function attempt(h: Awaited<ReturnType<typeof memoryHarness>>, username: string, password: string, ip: string) {
  try {
    await login({ username, password }, from(ip), h.core);
    return 'ok';
  } catch (err) {
    if (err instanceof TooManyAttemptsError) return err.retryAfterSeconds;
    if (err instanceof InvalidGrantError) return 'refused';
    throw err;
  }
}

describe('login throttling (ASVS 6.3.1), on the in-memory stores', () => {
  it('allows 5 failures per account and source, then backs off 1 s, 2 s, 4 s', async () => {
    const h = await memoryHarness();
    await createUser({ username: 'ann', password: PASSWORD }, from('x'), h.core);
    const ip = '203.0.113.1';
    for (let i = 0; i < 5; i++) expect(await attempt(h, 'ann', 'wrong password', ip)).toBe('refused');
    for (const wait of [1, 2, 4]) {
      expect(await attempt(h, 'ann', 'wrong password', ip)).toBe(wait);
      h.clock.advance(wait);
      expect(await attempt(h, 'ann', 'wrong password', ip)).toBe('refused');
    }
    expect(await attempt(h, 'ann', PASSWORD, ip)).toBe(8);
  });

  it('counts an unknown name exactly like a real one', async () => {
    const h = await memoryHarness();
    await createUser({ username: 'real', password: PASSWORD }, from('x'), h.core);
    const real: unknown[] = [];
    const ghost: unknown[] = [];
    for (let i = 0; i < 7; i++) {
      real.push(await attempt(h, 'real', 'wrong password', '203.0.113.2'));
      ghost.push(await attempt(h, 'ghost', 'wrong password', '203.0.113.3'));
    }
    expect(ghost).toEqual(real);
  });

  it("exempts the owner's trusted source from the account-wide and per-IP counters", async () => {
    const h = await memoryHarness({ lockoutFreePerIp: 10 });
    await createUser({ username: 'owner', password: PASSWORD }, from('x'), h.core);
    expect(await attempt(h, 'owner', PASSWORD, '198.51.100.7')).toBe('ok');
    for (let i = 0; i < 20; i++) expect(await attempt(h, 'owner', 'wrong password', `192.0.2.${i + 10}`)).toBe('refused');
    expect(await attempt(h, 'owner', PASSWORD, '192.0.2.200')).toEqual(expect.any(Number));
    // Strangers behind the owner's address exhaust its per-IP counter.
    for (let i = 0; i < 11; i++) await attempt(h, `stranger-${i}`, 'wrong password', '198.51.100.7');
    expect(await attempt(h, 'someone', 'wrong password', '198.51.100.7')).toEqual(expect.any(Number));
    expect(await attempt(h, 'owner', PASSWORD, '198.51.100.7')).toBe('ok');
  });
});
