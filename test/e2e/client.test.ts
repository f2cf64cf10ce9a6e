import { AuthClient, type SecondFactorChallenge, type StoredTokens } from '../../client/auth-client';
import { totpCode } from '../../functions/lib/domain/totp';
import { call, startLocalRuntime, type LocalRuntime } from '../helpers/local-runtime';

let rt: LocalRuntime;
const PASSWORD = 'a client passphrase';

beforeAll(async () => {
  rt = await startLocalRuntime({ args: ['--in-memory'] });
  await call(rt.baseUrl, 'POST', '/api/auth/register', { body: { username: 'clienty', password: PASSWORD } });
});
afterAll(() => rt?.stop());

/** A fetch that counts refresh requests, and a clock the test moves. */
function harness() {
  const counts = { refresh: 0 };
  const counting: typeof fetch = (input, init) => {
    if (String(input).endsWith('/api/auth/refresh')) counts.refresh++;
    return fetch(input, init);
  };
  let offset = 0;
  const client = new AuthClient({ baseUrl: rt.baseUrl, fetch: counting, now: () => Date.now() + offset });
  return { client, counts, advance: (seconds: number) => (offset += seconds * 1000) };
}

describe('the auth client', () => {
  it('logs in and calls a protected route with the access token', async () => {
    const { client } = harness();
    await client.login('clienty', PASSWORD);
    const me = await client.fetch('/api/me');
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ username: 'clienty' });
  });

  it('makes exactly one refresh for 50 parallel calls at expiry, and every call succeeds', async () => {
    const { client, counts, advance } = harness();
    await client.login('clienty', PASSWORD);
    advance(900 - 10); // inside the 30 s refresh window
    const answers = await Promise.all(Array.from({ length: 50 }, () => client.fetch('/api/me')));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(counts.refresh).toBe(1);
  });

  it('refreshes once and retries after a 401', async () => {
    const storage = {
      tokens: undefined as StoredTokens | undefined,
      get() {
        return this.tokens;
      },
      set(t: StoredTokens | undefined) {
        this.tokens = t;
      },
    };
    const client = new AuthClient({ baseUrl: rt.baseUrl, storage });
    await client.login('clienty', PASSWORD);
    // An access token the server no longer accepts (here: one that was never valid).
    storage.set({ ...(storage.tokens as StoredTokens), accessToken: 'not.a.token' });
    const me = await client.fetch('/api/me');
    expect(me.status).toBe(200);
    expect(storage.tokens?.accessToken).not.toBe('not.a.token');
  });

  it('forgets its tokens on logout, and the server ends the session', async () => {
    const { client } = harness();
    await client.login('clienty', PASSWORD);
    await client.logout();
    expect(client.signedIn).toBe(false);
    await expect(client.fetch('/api/me')).rejects.toThrow('not signed in');
  });

  it('asks its callback for the second factor at sign-in, and for a step-up when a route answers the RFC 9470 challenge', async () => {
    await call(rt.baseUrl, 'POST', '/api/auth/register', { body: { username: 'careful', password: PASSWORD } });
    const asked: SecondFactorChallenge[] = [];
    let answer: (c: SecondFactorChallenge) => { code: string } | { recovery_code: string } = () => ({ code: '' });
    const onSecondFactor = async (c: SecondFactorChallenge) => {
      asked.push(c);
      return answer(c);
    };
    // First sign-in: no factor yet; enrol TOTP through the client's authenticated fetch.
    const first = new AuthClient({ baseUrl: rt.baseUrl, onSecondFactor });
    await first.login('careful', PASSWORD);
    const { secret } = (await (await first.fetch('/api/auth/mfa/totp', { method: 'POST' })).json()) as { secret: string };
    const confirm = await first.fetch('/api/auth/mfa/totp/confirm', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code: totpCode(secret, Date.now()) }),
    });
    const { recovery_codes: codes } = (await confirm.json()) as { recovery_codes: string[] };

    // A second client signs in: the callback answers the code of the next time step.
    answer = () => ({ code: totpCode(secret, Date.now() + 30_000) });
    const second = new AuthClient({ baseUrl: rt.baseUrl, onSecondFactor });
    await second.login('careful', PASSWORD);
    expect(asked[0]).toMatchObject({ kind: 'sign-in', factors: ['totp', 'recovery_code'], mfaToken: expect.any(String) });
    expect((await second.fetch('/api/me')).status).toBe(200);

    // The first client's token predates the factor: a password change asks for a step-up, which
    // the callback answers with a recovery code, and the change goes through on the retry.
    answer = () => ({ recovery_code: codes[0] as string });
    const changed = await first.fetch('/api/auth/password', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ current_password: PASSWORD, new_password: 'a new client passphrase' }),
    });
    expect(changed.status).toBe(200);
    expect(asked[1]).toEqual({ kind: 'step-up', factors: [], maxAge: 900 });
  });
});
