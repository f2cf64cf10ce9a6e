import { InvalidGrantError, MfaRequiredError, TooManyAttemptsError } from '../../../functions/lib/domain/errors';
import type { EmailMessage } from '../../../functions/lib/domain/email-messages';
import { login } from '../../../functions/lib/flows/login';
import { refresh } from '../../../functions/lib/flows/refresh';
import { forgotPassword, resetPassword, verifyEmailAddress } from '../../../functions/lib/flows/recovery';
import { register } from '../../../functions/lib/flows/users';
import { memoryRepos } from '../../../functions/lib/stores/memory';
import { coreDepsOver } from '../../../functions/lib/wiring/core';
import { manualClock, recordingLogger, testConfig, testSecrets } from '../../helpers/harness';

const PASSWORD = 'correct horse battery staple';
const meta = { requestId: 'r', sourceIp: '203.0.113.9' };
const tokenOf = (m: EmailMessage | undefined) => /#token=([A-Za-z0-9_-]+)/.exec(m?.text ?? '')?.[1] as string;

/** The flows on in-memory stores, with an outbox that keeps what it is handed. */
async function harness(overrides: Parameters<typeof testConfig>[0] = {}) {
  const sent: EmailMessage[] = [];
  const clock = manualClock();
  const logger = recordingLogger();
  const core = coreDepsOver(memoryRepos(), testConfig(overrides), await testSecrets(), {
    now: clock,
    logger,
    mail: { send: async (m) => void (m && sent.push(m)) },
  });
  return { core, clock, sent, logger };
}

/** Ann, registered with an address she has proved. */
async function verifiedAnn(h: Awaited<ReturnType<typeof harness>>) {
  await register({ username: 'ann', password: PASSWORD, email: 'Ann@Example.COM' }, meta, h.core);
  const verify = h.sent.pop();
  expect(verify).toMatchObject({ kind: 'verify_address', to: 'Ann@example.com' });
  await verifyEmailAddress({ token: tokenOf(verify) }, meta, h.core);
}

describe('recovery by email, on the in-memory stores', () => {
  it('mails a single-use link to a verified address, and the reset ends every session and proves the address', async () => {
    const h = await harness();
    await verifiedAnn(h);
    const before = await login({ username: 'Ann@example.com', password: PASSWORD }, meta, h.core);
    expect(h.sent.pop()?.kind).toBe('new_sign_in');
    await forgotPassword({ email: 'ann@EXAMPLE.com ' }, meta, h.core).catch(() => undefined);
    // The local part keeps its case: ann@ is another address, and gets nothing.
    expect(h.sent).toHaveLength(0);
    await forgotPassword({ email: 'Ann@example.com' }, meta, h.core);
    const mail = h.sent.pop();
    expect(mail).toMatchObject({ kind: 'password_reset', to: 'Ann@example.com', subject: 'aws-auth-service: reset your password' });
    expect(mail?.subject).not.toContain(tokenOf(mail));
    expect(mail?.text).toMatch(/https:\/\/app\.test\.example\/reset-password#token=[A-Za-z0-9_-]{43}/);

    await resetPassword({ token: tokenOf(mail), newPassword: 'a brand new passphrase' }, meta, h.core);
    expect(h.sent.pop()).toMatchObject({ kind: 'password_changed', to: 'Ann@example.com' });
    await expect(refresh(before.refresh_token, meta, h.core)).rejects.toBeInstanceOf(InvalidGrantError);
    await expect(resetPassword({ token: tokenOf(mail), newPassword: 'yet another passphrase' }, meta, h.core)).rejects.toThrow(
      'this link is invalid, expired or used: ask for a new one',
    );
    await expect(login({ username: 'ann', password: 'a brand new passphrase' }, meta, h.core)).resolves.toMatchObject({
      token_type: 'Bearer',
    });
    expect(h.logger.text()).not.toContain(tokenOf(mail));
  });

  it('lets only the newest link work, and none after 30 minutes', async () => {
    const h = await harness();
    await verifiedAnn(h);
    await forgotPassword({ username: 'ann' }, meta, h.core);
    const older = tokenOf(h.sent.pop());
    await forgotPassword({ username: 'ann' }, meta, h.core);
    const newer = tokenOf(h.sent.pop());
    await expect(resetPassword({ token: older, newPassword: 'a brand new passphrase' }, meta, h.core)).rejects.toBeInstanceOf(
      InvalidGrantError,
    );
    h.clock.advance(30 * 60);
    await expect(resetPassword({ token: newer, newPassword: 'a brand new passphrase' }, meta, h.core)).rejects.toBeInstanceOf(
      InvalidGrantError,
    );
  });

  it('lets exactly one of 20 concurrent resets with one link succeed', async () => {
    const h = await harness();
    await verifiedAnn(h);
    await forgotPassword({ username: 'ann' }, meta, h.core);
    const token = tokenOf(h.sent.pop());
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => resetPassword({ token, newPassword: `a new passphrase number ${i}` }, meta, h.core)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('sends nothing to an unknown, unverified or disabled account, with the same answer', async () => {
    const h = await harness();
    await register({ username: 'bob', password: PASSWORD, email: 'bob@example.com' }, meta, h.core);
    h.sent.length = 0;
    for (const input of [
      { email: 'nobody@example.com' },
      { username: 'nobody' },
      { email: 'bob@example.com' },
      { email: 'not an address' },
    ]) {
      await expect(forgotPassword(input, meta, h.core)).resolves.toBeUndefined();
    }
    expect(h.sent).toEqual([]);
  });

  it('refuses the n+1th mail to one address within the hour, and the source past its own limit', async () => {
    const h = await harness({ mailPerAddressPerHour: 3, mailPerSourcePerHour: 5 });
    await verifiedAnn(h);
    for (let i = 0; i < 3; i++) await forgotPassword({ username: 'ann' }, meta, h.core);
    await expect(forgotPassword({ username: 'ann' }, meta, h.core)).rejects.toBeInstanceOf(TooManyAttemptsError);
    expect(h.sent).toHaveLength(3);
    // Two more names from this source reach its limit of 5 (the refused one counted nothing).
    await forgotPassword({ username: 'x1' }, meta, h.core);
    await forgotPassword({ username: 'x2' }, meta, h.core);
    await expect(forgotPassword({ username: 'x3' }, meta, h.core)).rejects.toBeInstanceOf(TooManyAttemptsError);
    h.clock.advance(3601);
    await forgotPassword({ username: 'ann' }, meta, h.core);
    expect(h.sent).toHaveLength(4);
  });

  it('signs in with the address, and (when configured) only once it is verified', async () => {
    const h = await harness({ loginRequiresVerifiedEmail: true });
    await register({ username: 'cy', password: PASSWORD, email: 'cy@example.com' }, meta, h.core);
    await expect(login({ username: 'cy@example.com', password: PASSWORD }, meta, h.core)).rejects.toMatchObject({
      code: 'ERR_EMAIL_UNVERIFIED',
    });
    await verifyEmailAddress({ token: tokenOf(h.sent.pop()) }, meta, h.core);
    await expect(login({ username: 'cy@example.com', password: PASSWORD }, meta, h.core)).resolves.toMatchObject({ token_type: 'Bearer' });
  });

  it('asks an account with a second factor for it at the reset', async () => {
    const h = await harness();
    await verifiedAnn(h);
    await h.core.factors.startTotp('ann', {
      sealedSecret: h.core.factorSealer.seal((await h.core.users.getUser('ann'))?.userId as string, 'JBSWY3DPEHPK3PXP'),
      expiresAt: 9e9,
    });
    const ann = await h.core.users.getUser('ann');
    await h.core.factors.confirmTotp('ann', ann?.totpPending?.sealedSecret as string, {
      sealedSecret: ann?.totpPending?.sealedSecret as string,
      lastStep: 0,
      confirmedAt: 1,
    });
    await forgotPassword({ username: 'ann' }, meta, h.core);
    const token = tokenOf(h.sent.pop());
    await expect(resetPassword({ token, newPassword: 'a brand new passphrase' }, meta, h.core)).rejects.toBeInstanceOf(MfaRequiredError);
    await expect(
      resetPassword({ token, newPassword: 'a brand new passphrase', answer: { factor: 'totp', code: '000000' } }, meta, h.core),
    ).rejects.toBeInstanceOf(InvalidGrantError);
  });

  it('sends the notices that are on, to a verified address only: a new source, a password change', async () => {
    const h = await harness();
    await verifiedAnn(h);
    await login({ username: 'ann', password: PASSWORD }, meta, h.core);
    expect(h.sent.map((m) => m.kind)).toEqual(['new_sign_in']);
    await login({ username: 'ann', password: PASSWORD }, meta, h.core);
    expect(h.sent).toHaveLength(1);

    const quiet = await harness({ emailNotices: [] });
    await verifiedAnn(quiet);
    await login({ username: 'ann', password: PASSWORD }, { ...meta, sourceIp: '198.51.100.1' }, quiet.core);
    expect(quiet.sent).toEqual([]);
  });
});
