import { InvalidGrantError } from '../../../functions/lib/domain/errors';
import { login } from '../../../functions/lib/flows/login';
import { refresh } from '../../../functions/lib/flows/refresh';
import { createUser } from '../../../functions/lib/flows/users';
import { memoryHarness } from '../../helpers/memory-harness';

const meta = { requestId: 'r', sourceIp: '198.51.100.7' };
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof InvalidGrantError ? e.code : e),
  );

async function signedIn(overrides = {}) {
  const h = await memoryHarness(overrides);
  await createUser({ username: 'ann', password: 'correct horse battery staple' }, meta, h.core);
  const pair = await login({ username: 'ann', password: 'correct horse battery staple' }, meta, h.core);
  return { h, token: pair.refresh_token };
}

describe('refresh rotation (RFC 9700 §4.14.2), on the in-memory stores', () => {
  it('gives a retry within the grace window the same successor: never a second live head', async () => {
    const { h, token } = await signedIn();
    const first = await refresh(token, meta, h.core);
    h.clock.advance(5);
    const again = await refresh(token, meta, h.core);
    expect(again.refresh_token).toBe(first.refresh_token);
    expect(await codeOf(refresh(first.refresh_token, meta, h.core))).toBe('ok');
  });

  it('treats the spent token after the window as reuse, and revokes the whole family', async () => {
    const { h, token } = await signedIn();
    const first = await refresh(token, meta, h.core);
    h.clock.advance(11);
    expect(await codeOf(refresh(token, meta, h.core))).toBe('ERR_REFRESH_TOKEN_REUSED');
    expect(await codeOf(refresh(first.refresh_token, meta, h.core))).toBe('ERR_INVALID_REFRESH_TOKEN');
  });

  it('ends a session left unused for the idle timeout, and one past its absolute lifetime', async () => {
    const idle = await signedIn({ sessionIdleSeconds: 600 });
    idle.h.clock.advance(600);
    expect(await codeOf(refresh(idle.token, meta, idle.h.core))).toBe('ERR_INVALID_REFRESH_TOKEN');

    const old = await signedIn({ sessionTtlSeconds: 900, sessionIdleSeconds: 600 });
    let token = old.token;
    for (let i = 0; i < 3; i++) {
      old.h.clock.advance(299);
      token = (await refresh(token, meta, old.h.core)).refresh_token;
    }
    old.h.clock.advance(299);
    expect(await codeOf(refresh(token, meta, old.h.core))).toBe('ERR_INVALID_REFRESH_TOKEN');
  });

  it('refuses a forged token that names a real session, without revoking it', async () => {
    const { h, token } = await signedIn();
    const forged = `${token.slice(0, -6)}AAAAAA`;
    expect(await codeOf(refresh(forged, meta, h.core))).toBe('ERR_INVALID_REFRESH_TOKEN');
    expect(await codeOf(refresh(token, meta, h.core))).toBe('ok');
  });
});
