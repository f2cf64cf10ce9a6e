import { createRevocationChecker } from '../../functions/lib/authz/revocation';
import type { ClientTokenClaims } from '../../functions/lib/tokens/access-tokens';
import { manualClock } from '../helpers/harness';

const claims = (iat: number): ClientTokenClaims => ({
  iss: 'https://auth.test.example',
  aud: 'https://api.test.example',
  sub: 'client-000000000000',
  client_id: 'client-000000000000',
  scope: 'ping',
  jti: 'j',
  iat,
  exp: iat + 3600,
});

describe("the revocation check of a machine client's token", () => {
  it('refuses the token of a deleted client, a disabled one, and one issued before the client ended its tokens', async () => {
    // Prepare: a client whose stored state the test changes, read through the checker's cache.
    const clock = manualClock();
    const now = Math.floor(clock() / 1000);
    let stored: { status: string; tokensValidAfter?: number } | undefined = { status: 'active' };
    let reads = 0;
    const checker = createRevocationChecker({
      read: async () => ({}),
      readClient: async () => {
        reads++;
        return stored;
      },
      cacheSeconds: 30,
      now: clock,
    });
    const check = (iat = now - 10) => checker.checkClient?.(claims(iat));

    // Act and assess
    expect(await check()).toEqual({});
    stored = { status: 'disabled', tokensValidAfter: now };
    expect(await check()).toEqual({}); // within the cache bound
    clock.advance(31);
    expect(await check()).toEqual({ revoked: 'client_disabled' });
    stored = { status: 'active', tokensValidAfter: now };
    clock.advance(31);
    expect(await check(now - 10)).toEqual({ revoked: 'tokens_revoked' });
    expect(await check(now + 40)).toEqual({});
    stored = undefined;
    clock.advance(31);
    expect(await check(now + 40)).toEqual({ revoked: 'client_unknown' });
    expect(reads).toBe(4);
  });
});
