/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SHOTS } from '../helpers/browser';
import { totpCode } from '../../functions/lib/domain/totp';
import { call, startLocalRuntime, type LocalRuntime } from '../helpers/local-runtime';

/**
 * Passkeys and TOTP on the demo page in a real browser: Debian's Chromium driven by
 * playwright-core, with a CDP virtual authenticator (CTAP2, built-in, resident keys, user
 * verification) standing in for a platform passkey. The page is opened at http://localhost:PORT:
 * browsers refuse an IP address as a WebAuthn relying party id.
 */
const PASSWORD = 'a passkey passphrase';
let rt: LocalRuntime;
let browser: Browser;
let page: Page;
let origin: string;

const claims = async () => JSON.parse((await page.textContent('#claims')) ?? '{}') as { username?: string; amr?: string[] };
const signOut = async () => {
  await page.click('#logout');
  await page.waitForSelector('#signin:not([hidden])');
};

beforeAll(async () => {
  rt = await startLocalRuntime({ args: ['--in-memory'], env: { AUTH_TOKEN_DELIVERY: 'cookie' } });
  origin = rt.baseUrl.replace('127.0.0.1', 'localhost');
  await call(rt.baseUrl, 'POST', '/api/auth/register', { body: { username: 'pat', password: PASSWORD } });
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await rt?.stop();
});

describe('passkeys on the demo page, in Chromium with a virtual authenticator', () => {
  it('registers a passkey after a password sign-in, logs out, and signs in with the passkey alone', async () => {
    await page.goto(`${origin}/`);
    await page.fill('#username', 'pat');
    await page.fill('#password', PASSWORD);
    await page.click('#login-button');
    await page.waitForSelector('#claims:has-text("pat")');
    expect((await claims()).amr).toEqual(['pwd']);

    await page.click('#register-passkey');
    await page.waitForSelector('#output:has-text("passkey registered")');
    expect(await page.textContent('#recovery')).toMatch(/^Recovery codes, shown once/);
    // The session that registered it proved the passkey, with user verification.
    expect((await claims()).amr).toEqual(['pwd', 'hwk', 'mfa']);
    await page.screenshot({ path: join(SHOTS, 'passkey-registered.png'), fullPage: true });

    await signOut();
    await page.click('#passkey-login');
    await page.waitForSelector('#claims:has-text("pat")');
    expect(await claims()).toMatchObject({ username: 'pat', amr: ['hwk', 'mfa'] });
    await page.screenshot({ path: join(SHOTS, 'passkey-sign-in.png'), fullPage: true });
  });

  it('uses the passkey as the second factor after the password', async () => {
    await signOut();
    await page.fill('#username', 'pat');
    await page.fill('#password', PASSWORD);
    await page.click('#login-button');
    await page.waitForSelector('#second-factor:not([hidden])');
    expect(await page.textContent('#factors')).toBe('webauthn, recovery_code');
    await page.click('#use-passkey');
    await page.waitForSelector('#claims:has-text("pat")');
    expect((await claims()).amr).toEqual(['pwd', 'hwk', 'mfa']);
  });

  it('sets up TOTP from its QR code, and then takes a TOTP code as the second factor', async () => {
    await page.click('#enrol-totp');
    await page.waitForSelector('#qr svg');
    const secret = (await page.textContent('#totp-secret')) as string;
    await page.screenshot({ path: join(SHOTS, 'totp-setup.png'), fullPage: true });
    await page.fill('#totp-code', totpCode(secret, Date.now()));
    await page.click('#totp-confirm button');
    await page.waitForSelector('#output:has-text("TOTP is on")');

    await signOut();
    await page.fill('#username', 'pat');
    await page.fill('#password', PASSWORD);
    await page.click('#login-button');
    await page.waitForSelector('#second-factor:not([hidden])');
    expect(await page.textContent('#factors')).toBe('totp, webauthn, recovery_code');
    // The next time step: the enrolment spent this one.
    await page.fill('#code', totpCode(secret, Date.now() + 30_000));
    await page.click('#verify');
    await page.waitForSelector('#claims:has-text("pat")');
    expect((await claims()).amr).toEqual(['pwd', 'otp', 'mfa']);

    // The listing names the passkey; removing it (with this recent second factor) leaves TOTP.
    await page.click('#factors-list');
    await page.waitForSelector('#output:has-text("demo page")');
    const listed = JSON.parse((await page.textContent('#output')) as string) as { passkeys: { id: string }[] };
    // The page's own client (a top-level const of its script), so the call carries its token.
    const path = `/api/auth/passkeys/${encodeURIComponent(listed.passkeys[0]?.id as string)}`;
    const removed = await page.evaluate(`client.fetch(${JSON.stringify(path)}, { method: 'DELETE' }).then((r) => r.status)`);
    expect(removed).toBe(204);
    await page.click('#factors-list');
    await page.waitForFunction(() => document.getElementById('output')?.textContent?.includes('"passkeys": []'));
  });
});
