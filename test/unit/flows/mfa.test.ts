import {
  InsufficientAuthenticationError,
  InvalidGrantError,
  InvalidRequestError,
  MfaRequiredError,
  TooManyAttemptsError,
} from '../../../functions/lib/domain/errors';
import { totpCode } from '../../../functions/lib/domain/totp';
import type { Caller } from '../../../functions/lib/flows/deps';
import { confirmTotpEnrolment, regenerateRecoveryCodes, removeTotp, startTotpEnrolment } from '../../../functions/lib/flows/factors';
import { login } from '../../../functions/lib/flows/login';
import { stepUp, verifyMfa } from '../../../functions/lib/flows/mfa';
import { changePassword } from '../../../functions/lib/flows/account';
import { createUser } from '../../../functions/lib/flows/users';
import { refresh } from '../../../functions/lib/flows/refresh';
import { memoryHarness } from '../../helpers/memory-harness';

const PASSWORD = 'correct horse battery staple';
const meta = { requestId: 'r', sourceIp: '203.0.113.9' };
type Harness = Awaited<ReturnType<typeof memoryHarness>>;

/** A signed-in caller as the authorizer would pass them on, from an access token the flows minted. */
async function callerOf(h: Harness, accessToken: string): Promise<Caller> {
  const c = await h.core.accessTokens.verify(accessToken);
  return {
    sub: c.sub,
    username: c.username,
    sid: c.sid,
    amr: [...(c.amr ?? [])],
    ...(c.auth_time !== undefined && { authTime: c.auth_time }),
  };
}

/** Ann, signed in with her password, with TOTP enrolled: her secret, her caller, her recovery codes. */
async function annWithTotp(h: Harness) {
  await createUser({ username: 'ann', password: PASSWORD }, meta, h.core);
  const pair = await login({ username: 'ann', password: PASSWORD }, meta, h.core);
  const caller = await callerOf(h, pair.access_token);
  const { secret, otpauth_uri } = await startTotpEnrolment(caller, h.core);
  expect(otpauth_uri).toMatch(/^otpauth:\/\/totp\/.*secret=[A-Z2-7]+.*algorithm=SHA1&digits=6&period=30/);
  const enrolled = await confirmTotpEnrolment(caller, totpCode(secret, h.clock()), meta, h.core);
  return { secret, caller: await callerOf(h, enrolled.access_token), codes: enrolled.recovery_codes as string[] };
}

/** The mfa_token a correct password now gets. */
async function passwordStep(h: Harness): Promise<MfaRequiredError> {
  const err = await login({ username: 'ann', password: PASSWORD }, meta, h.core).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MfaRequiredError);
  return err as MfaRequiredError;
}

describe('TOTP as a second factor, on a fixed clock', () => {
  it('asks a password-correct sign-in for the second factor, and opens the session with amr pwd otp mfa', async () => {
    const h = await memoryHarness();
    const { secret, codes } = await annWithTotp(h);
    expect(codes).toHaveLength(10);
    h.clock.advance(60);
    const challenge = await passwordStep(h);
    expect(challenge.factors).toEqual(['totp', 'recovery_code']);
    expect(challenge.expiresIn).toBe(300);
    const pair = await verifyMfa(
      { mfaToken: challenge.mfaToken, answer: { factor: 'totp', code: totpCode(secret, h.clock()) } },
      meta,
      h.core,
    );
    const claims = await h.core.accessTokens.verify(pair.access_token);
    expect(claims).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], auth_time: Math.floor(h.clock() / 1000) });
    expect(claims.acr).toBe('http://schemas.openid.net/pape/policies/2007/06/multi-factor');
  });

  it('accepts a code one step either side, and none further (RFC 6238 §5.2)', async () => {
    const h = await memoryHarness();
    const { secret } = await annWithTotp(h);
    const at = (offsetSeconds: number) => totpCode(secret, h.clock() + offsetSeconds * 1000);
    const tryCode = async (code: string) => {
      const { mfaToken } = await passwordStep(h);
      return verifyMfa({ mfaToken, answer: { factor: 'totp', code } }, meta, h.core).then(
        () => 'ok',
        (e: unknown) => (e instanceof InvalidGrantError ? 'refused' : e),
      );
    };
    h.clock.advance(300);
    // The clock sits on a step boundary: -31 s is two steps back, +30 s one step ahead.
    expect(await tryCode(at(-61))).toBe('refused');
    expect(await tryCode(at(-31))).toBe('refused');
    expect(await tryCode(at(-30))).toBe('ok');
    h.clock.advance(90);
    expect(await tryCode(at(30))).toBe('ok');
    h.clock.advance(90);
    expect(await tryCode(at(60))).toBe('refused');
  });

  it('never takes the same step twice, even from two concurrent requests', async () => {
    const h = await memoryHarness();
    const { secret } = await annWithTotp(h);
    h.clock.advance(120);
    const code = totpCode(secret, h.clock());
    const [a, b] = [await passwordStep(h), await passwordStep(h)];
    const results = await Promise.allSettled([
      verifyMfa({ mfaToken: a.mfaToken, answer: { factor: 'totp', code } }, meta, h.core),
      verifyMfa({ mfaToken: b.mfaToken, answer: { factor: 'totp', code } }, meta, h.core),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    // The previous step's code, still inside the window, is refused too: steps only move forward.
    const c = await passwordStep(h);
    await expect(verifyMfa({ mfaToken: c.mfaToken, answer: { factor: 'totp', code } }, meta, h.core)).rejects.toBeInstanceOf(
      InvalidGrantError,
    );
    await expect(
      verifyMfa({ mfaToken: c.mfaToken, answer: { factor: 'totp', code: totpCode(secret, h.clock() - 30_000) } }, meta, h.core),
    ).rejects.toBeInstanceOf(InvalidGrantError);
  });

  it('ends an mfa_token after five wrong codes, and counts them on the login counters', async () => {
    const h = await memoryHarness();
    const { secret } = await annWithTotp(h);
    h.clock.advance(60);
    const { mfaToken } = await passwordStep(h);
    for (let i = 0; i < 5; i++) {
      await expect(verifyMfa({ mfaToken, answer: { factor: 'totp', code: '000000' } }, meta, h.core)).rejects.toBeInstanceOf(
        InvalidGrantError,
      );
    }
    // Five failures from this source: the sixth attempt, right or wrong, is throttled first.
    const right = { factor: 'totp' as const, code: totpCode(secret, h.clock()) };
    await expect(verifyMfa({ mfaToken, answer: right }, meta, h.core)).rejects.toBeInstanceOf(TooManyAttemptsError);
    h.clock.advance(2);
    // Past the backoff, the token is still dead: five wrong answers ended it.
    const err = await verifyMfa({ mfaToken, answer: right }, meta, h.core).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidGrantError);
    expect((err as Error).message).toMatch(/mfa_token/);
  });

  it('takes an mfa_token once, refuses it after five minutes, and never as an access token', async () => {
    const h = await memoryHarness();
    const { secret } = await annWithTotp(h);
    h.clock.advance(60);
    const { mfaToken } = await passwordStep(h);
    await verifyMfa({ mfaToken, answer: { factor: 'totp', code: totpCode(secret, h.clock()) } }, meta, h.core);
    h.clock.advance(30);
    await expect(verifyMfa({ mfaToken, answer: { factor: 'totp', code: totpCode(secret, h.clock()) } }, meta, h.core)).rejects.toThrow(
      /mfa_token/,
    );
    await expect(h.core.accessTokens.verify(mfaToken)).rejects.toMatchObject({ code: 'ERR_JWT_TYP_INVALID' });

    const late = await passwordStep(h);
    h.clock.advance(306);
    await expect(
      verifyMfa({ mfaToken: late.mfaToken, answer: { factor: 'totp', code: totpCode(secret, h.clock()) } }, meta, h.core),
    ).rejects.toThrow(/mfa_token/);
  });

  it('ends an mfa_token when the password changes under it', async () => {
    const h = await memoryHarness();
    const { secret, caller } = await annWithTotp(h);
    h.clock.advance(60);
    const { mfaToken } = await passwordStep(h);
    await changePassword(caller, { currentPassword: PASSWORD, newPassword: 'a different long passphrase' }, meta, h.core);
    h.clock.advance(30);
    await expect(verifyMfa({ mfaToken, answer: { factor: 'totp', code: totpCode(secret, h.clock()) } }, meta, h.core)).rejects.toThrow(
      /mfa_token/,
    );
  });

  it('spends each recovery code once, and audits its use', async () => {
    const h = await memoryHarness();
    const { codes } = await annWithTotp(h);
    const first = codes[0] as string;
    const a = await passwordStep(h);
    const pair = await verifyMfa({ mfaToken: a.mfaToken, answer: { factor: 'recovery_code', code: first.toLowerCase() } }, meta, h.core);
    expect((await h.core.accessTokens.verify(pair.access_token)).amr).toEqual(['pwd', 'otp', 'mfa']);
    const b = await passwordStep(h);
    await expect(
      verifyMfa({ mfaToken: b.mfaToken, answer: { factor: 'recovery_code', code: first } }, meta, h.core),
    ).rejects.toBeInstanceOf(InvalidGrantError);
    expect(h.logger.text()).toContain('"event":"recovery_code_used"');
    expect(h.logger.text()).not.toContain(first);
  });

  it('keeps the amr and auth_time of the sign-in across a refresh', async () => {
    const h = await memoryHarness();
    const { secret } = await annWithTotp(h);
    h.clock.advance(60);
    const { mfaToken } = await passwordStep(h);
    const pair = await verifyMfa({ mfaToken, answer: { factor: 'totp', code: totpCode(secret, h.clock()) } }, meta, h.core);
    const signedIn = await h.core.accessTokens.verify(pair.access_token);
    h.clock.advance(600);
    const next = await refresh(pair.refresh_token, meta, h.core);
    expect(await h.core.accessTokens.verify(next.access_token)).toMatchObject({ amr: signedIn.amr, auth_time: signedIn.auth_time });
  });
});

describe('step-up and the changes that need a recent second factor', () => {
  it('asks for a recent second factor before a password change, removal or new recovery codes, and takes it by step-up', async () => {
    const h = await memoryHarness();
    const { secret, caller } = await annWithTotp(h);
    h.clock.advance(16 * 60);
    const stale = caller;
    const refused = await changePassword(stale, { currentPassword: PASSWORD, newPassword: 'another long passphrase' }, meta, h.core).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(InsufficientAuthenticationError);
    expect((refused as InsufficientAuthenticationError).challenge).toBe(
      'Bearer error="insufficient_user_authentication", error_description="a more recent or stronger authentication is required", acr_values="http://schemas.openid.net/pape/policies/2007/06/multi-factor", max_age=900',
    );
    await expect(regenerateRecoveryCodes(stale, meta, h.core)).rejects.toBeInstanceOf(InsufficientAuthenticationError);
    await expect(removeTotp(stale, meta, h.core)).rejects.toBeInstanceOf(InsufficientAuthenticationError);
    await expect(stepUp(stale, { factor: 'totp', code: '000000' }, meta, h.core)).rejects.toBeInstanceOf(InvalidGrantError);

    const fresh = await stepUp(stale, { factor: 'totp', code: totpCode(secret, h.clock()) }, meta, h.core);
    const stepped = await callerOf(h, fresh.access_token);
    expect(stepped.authTime).toBe(Math.floor(h.clock() / 1000));
    expect((await regenerateRecoveryCodes(stepped, meta, h.core)).recovery_codes).toHaveLength(10);
    await removeTotp(stepped, meta, h.core);
    // With no factor left, the recovery codes are gone, and a password alone signs in.
    expect((await h.core.users.getUser('ann'))?.recoveryCodes).toEqual({});
    await expect(login({ username: 'ann', password: PASSWORD }, meta, h.core)).resolves.toMatchObject({ token_type: 'Bearer' });
    expect(h.logger.text()).toContain('"event":"mfa_removed"');
  });

  it('refuses a confirming code that does not match, and a confirmation with nothing pending', async () => {
    const h = await memoryHarness();
    await createUser({ username: 'bob', password: PASSWORD }, meta, h.core);
    const caller = await callerOf(h, (await login({ username: 'bob', password: PASSWORD }, meta, h.core)).access_token);
    await expect(confirmTotpEnrolment(caller, '123456', meta, h.core)).rejects.toBeInstanceOf(InvalidRequestError);
    const { secret } = await startTotpEnrolment(caller, h.core);
    await expect(confirmTotpEnrolment(caller, totpCode(secret, h.clock() + 120_000), meta, h.core)).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    h.clock.advance(601);
    await expect(confirmTotpEnrolment(caller, totpCode(secret, h.clock()), meta, h.core)).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('seals the TOTP secret: the stored item holds neither the secret nor anything another user could open', async () => {
    const h = await memoryHarness();
    const { secret } = await annWithTotp(h);
    const stored = await h.core.users.getUser('ann');
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(() => h.core.factorSealer.open('someone-else', stored?.totp?.sealedSecret as string)).toThrow();
    expect(h.core.factorSealer.open(stored?.userId as string, stored?.totp?.sealedSecret as string)).toBe(secret);
    const sealed = stored?.totp?.sealedSecret as string;
    const middle = sealed.length - 10;
    const tampered = `${sealed.slice(0, middle)}${sealed[middle] === 'A' ? 'B' : 'A'}${sealed.slice(middle + 1)}`;
    expect(() => h.core.factorSealer.open(stored?.userId as string, tampered)).toThrow();
  });
});
