import { InvalidGrantError, InvalidRequestError } from '../../../functions/lib/domain/errors';
import { totpCode } from '../../../functions/lib/domain/totp';
import type { Caller } from '../../../functions/lib/flows/deps';
import { confirmTotpEnrolment, startTotpEnrolment } from '../../../functions/lib/flows/factors';
import { login } from '../../../functions/lib/flows/login';
import { verifyMfa } from '../../../functions/lib/flows/mfa';
import { passkeyRegistrationOptions, passkeySignIn, passkeySignInOptions, registerPasskey } from '../../../functions/lib/flows/passkeys';
import { createUser } from '../../../functions/lib/flows/users';
import type { MetricName } from '../../../functions/lib/telemetry/metrics';
import { coreDepsOver } from '../../../functions/lib/wiring/core';
import { memoryRepos } from '../../../functions/lib/stores/memory';
import { manualClock, recordingLogger, testConfig, testSecrets } from '../../helpers/harness';

const PASSWORD = 'correct horse battery staple';
const meta = { requestId: 'r', sourceIp: '203.0.113.9' };

/** The flows on in-memory stores, counting the metrics they emit. */
async function harness() {
  const counted: MetricName[] = [];
  const clock = manualClock();
  const metrics = { count: (name: MetricName) => counted.push(name), latencyMs: () => undefined, flush: () => undefined };
  const core = coreDepsOver(memoryRepos(), testConfig(), await testSecrets(), { now: clock, logger: recordingLogger(), metrics });
  await createUser({ username: 'ann', password: PASSWORD }, meta, core);
  const pair = await login({ username: 'ann', password: PASSWORD }, meta, core);
  const c = await core.accessTokens.verify(pair.access_token);
  const caller: Caller = { sub: c.sub, username: c.username, sid: c.sid, amr: [...(c.amr ?? [])], authTime: c.auth_time as number };
  return { core, clock, caller, counted };
}

describe('WebAuthn ceremonies: the challenge token', () => {
  it('is spent once, and only for its own ceremony', async () => {
    const { core, caller } = await harness();
    const registration = await passkeyRegistrationOptions(caller, core);
    expect(registration.options).toMatchObject({
      rp: { id: 'app.test.example' },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      attestation: 'none',
    });
    const signIn = await passkeySignInOptions({}, core);
    expect(signIn.options).toMatchObject({ rpId: 'app.test.example', userVerification: 'required', allowCredentials: [] });

    // A sign-in challenge does not register, and a registration challenge does not sign in.
    await expect(registerPasskey(caller, { challengeToken: signIn.challenge_token, response: {} }, meta, core)).rejects.toThrow(
      'this challenge_token is for another ceremony',
    );
    await expect(passkeySignIn({ challengeToken: registration.challenge_token, response: { id: 'x' } }, meta, core)).rejects.toBeInstanceOf(
      InvalidGrantError,
    );
    // A forged answer fails verification, and spends the challenge all the same.
    const fresh = await passkeyRegistrationOptions(caller, core);
    await expect(registerPasskey(caller, { challengeToken: fresh.challenge_token, response: { id: 'x' } }, meta, core)).rejects.toThrow(
      'the passkey could not be verified',
    );
    const again = await registerPasskey(caller, { challengeToken: fresh.challenge_token, response: { id: 'x' } }, meta, core).catch(
      (e: unknown) => e,
    );
    expect(again).toBeInstanceOf(InvalidRequestError);
    expect((again as Error).message).toBe('this challenge_token was used already: ask for new options');
  });

  it('gives the second step no options for an mfa_token that is not one', async () => {
    const { core } = await harness();
    await expect(passkeySignInOptions({ mfaToken: 'not.a.token' }, core)).rejects.toBeInstanceOf(InvalidGrantError);
  });
});

describe('MFA metrics', () => {
  it('count challenges, and successes and failures by factor', async () => {
    const { core, caller, clock, counted } = await harness();
    const { secret } = await startTotpEnrolment(caller, core);
    await confirmTotpEnrolment(caller, totpCode(secret, clock()), meta, core);
    clock.advance(60);
    const { mfaToken } = (await login({ username: 'ann', password: PASSWORD }, meta, core).catch((e: unknown) => e)) as {
      mfaToken: string;
    };
    await expect(verifyMfa({ mfaToken, answer: { factor: 'totp', code: '000000' } }, meta, core)).rejects.toBeInstanceOf(InvalidGrantError);
    await verifyMfa({ mfaToken, answer: { factor: 'totp', code: totpCode(secret, clock()) } }, meta, core);
    expect(counted.filter((m) => m.startsWith('Mfa'))).toEqual([
      'MfaChallenged',
      'MfaFailed',
      'MfaFailedTotp',
      'MfaSucceeded',
      'MfaSucceededTotp',
    ]);
  });
});
