/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, pageProblems, SHOTS } from '../helpers/browser';
import { call, runUsersCli, signInEnrollingTotp, startLocalRuntime, type LocalRuntime } from '../helpers/local-runtime';

/**
 * The admin console in Chromium, as an operator uses it: sign in as an admin with a second
 * factor; create a user; disable them and see their login fail; edit their roles; end one of
 * their sessions; read their events. A plain user is refused the console.
 */
const ADMIN_PASSWORD = 'an admin console passphrase';
const PASSWORD = 'a console user passphrase';
let rt: LocalRuntime;
let browser: Browser;
let page: Page;
let recoveryCodes: string[];
let problems: string[];

/** Waits until the status line says `text`, or matches it (each action replaces what it says). */
const statusSays = (text: string | RegExp) =>
  page.waitForFunction(
    ({ exact, source }) => {
      const said = document.getElementById('status')?.textContent ?? '';
      return exact !== undefined ? said === exact : new RegExp(source as string).test(said);
    },
    typeof text === 'string' ? { exact: text, source: undefined } : { exact: undefined, source: text.source },
  );
async function shot(name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `admin-${name}.png`), fullPage: true });
}

beforeAll(async () => {
  rt = await startLocalRuntime();
  const created = runUsersCli(
    ['create', 'root', '--role', 'admin', '--role', 'user'],
    { AUTH_DATA_DIR: rt.dataDir },
    `${ADMIN_PASSWORD}\n`,
  );
  if (created.status !== 0) throw new Error(created.stderr);
  recoveryCodes = (await signInEnrollingTotp(rt.baseUrl, 'root', ADMIN_PASSWORD)).recovery_codes;
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
  problems = pageProblems(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rt?.stop();
});

describe('the admin console in Chromium', () => {
  it('signs an admin in with a second factor, under a CSP with no inline script', async () => {
    const res = await page.goto(`${rt.baseUrl}/admin`);
    expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self';/);
    await page.fill('#username', 'root');
    await page.fill('#password', ADMIN_PASSWORD);
    await shot('sign-in');
    await page.click('#sign-in button');
    await page.fill('#code', recoveryCodes[0] as string);
    await page.click('#second-factor button');
    await page.waitForSelector('#users');
    await statusSays('Signed in as root.');
  });

  it('creates a user, who then appears in the search', async () => {
    await page.fill('#new-username', 'carol');
    await page.fill('#new-password', PASSWORD);
    await page.fill('#new-roles', 'user');
    await page.click('#create-user button');
    await statusSays('Created carol.');
    await page.waitForSelector('#users a:text("carol")');
    await page.fill('#prefix', 'CA');
    await page.click('#search button');
    await page.waitForFunction(() => document.querySelectorAll('#users tbody tr').length === 1);
    await expect(page.locator('#users tbody tr').allTextContents()).resolves.toEqual([expect.stringContaining('carol')]);
    await shot('users');
  });

  it('disables the user, whose login then fails, and enables them again', async () => {
    await page.click('#users a:text("carol")');
    await page.click('#disable');
    await statusSays(/^Disabled carol/);
    await page.waitForSelector('#enable');
    expect((await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'carol', password: PASSWORD } })).status).toBe(401);
    await page.click('#enable');
    await statusSays(/^Enabled carol/);
    await page.waitForSelector('#disable');
    expect((await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'carol', password: PASSWORD } })).status).toBe(200);
  });

  it('edits her roles', async () => {
    await page.fill('#roles-input', 'user, auditor');
    await page.click('#roles button');
    await statusSays('carol now has the roles: user, auditor.');
    const me = await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'carol', password: PASSWORD } });
    const claims = JSON.parse(Buffer.from((me.body.access_token as string).split('.')[1] as string, 'base64url').toString()) as {
      roles: string[];
    };
    expect(claims.roles).toEqual(['user', 'auditor']);
  });

  it('ends one of her sessions, whose refresh then fails, and shows her events', async () => {
    const pair = (await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'carol', password: PASSWORD } })).body as {
      access_token: string;
      refresh_token: string;
    };
    const { sid } = JSON.parse(Buffer.from(pair.access_token.split('.')[1] as string, 'base64url').toString()) as { sid: string };
    await page.reload();
    await page.waitForSelector('#sessions');
    const before = await page.locator('#sessions tbody tr').count();
    expect(before).toBeGreaterThanOrEqual(2);
    // The session just made (sessions started in the same second may be listed in either order).
    await page.locator(`#sessions tbody tr[data-sid="${sid}"] button.end-session`).click();
    await statusSays('Ended that session.');
    await page.waitForFunction((n) => document.querySelectorAll('#sessions tbody tr').length === n, before - 1);
    expect((await call(rt.baseUrl, 'POST', '/api/auth/refresh', { body: { refresh_token: pair.refresh_token } })).status).toBe(401);
    const events = await page.locator('#events tbody td:nth-child(2)').allTextContents();
    expect(events).toEqual(expect.arrayContaining(['user_disabled', 'user_enabled', 'user_roles_changed', 'session_revoked']));
    await shot('user');
  });

  it('creates a machine client and shows its secret once', async () => {
    await page.click('nav a[href="#/clients"]');
    await page.fill('#client-name', 'nightly job');
    await page.fill('#client-scopes', 'ping');
    await page.click('#create-client button');
    await page.waitForSelector('#client-secret .secret');
    await expect(page.locator('#clients tbody tr').allTextContents()).resolves.toEqual([expect.stringContaining('nightly job')]);
    await page.reload();
    await page.waitForSelector('#clients');
    await expect(page.locator('#client-secret').textContent()).resolves.toBe('');
    await shot('clients');
  });

  it('shows nothing it reads as markup: a name with HTML in it stays text', async () => {
    const made = await call(rt.baseUrl, 'POST', '/api/admin/clients', {
      token: await adminToken(),
      body: { name: '<img src=x onerror=alert(1)>', scopes: [] },
    });
    expect(made.status).toBe(201);
    await page.reload();
    await page.waitForSelector('#clients');
    await expect(page.locator('#clients img').count()).resolves.toBe(0);
    await expect(page.locator('#clients tbody').textContent()).resolves.toContain('<img src=x onerror=alert(1)>');
    expect(problems).toEqual([]);
  });

  it('refuses a plain user', async () => {
    const other = await (await browser.newContext()).newPage();
    await other.goto(`${rt.baseUrl}/admin`);
    await other.fill('#username', 'carol');
    await other.fill('#password', PASSWORD);
    await other.click('#sign-in button');
    await other.waitForFunction(() => document.getElementById('status')?.textContent?.includes('not an administrator'));
    await expect(other.locator('#users').count()).resolves.toBe(0);
    await expect(other.locator('#sign-in').count()).resolves.toBe(1);
  });

  it('draws the last 24 hours: sign-ins, failures, throttled attempts and reuse detections', async () => {
    // Failures for a name nobody has, until the throttle refuses one.
    const statuses: number[] = [];
    while (!statuses.includes(429) && statuses.length < 10) {
      const res = await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'mallory', password: 'guessing again' } });
      statuses.push(res.status);
    }
    expect(statuses.at(-1)).toBe(429);
    const counted = await call(rt.baseUrl, 'GET', '/api/admin/activity', { token: await adminToken(2) });
    const totals = counted.body.totals as Record<string, number>;
    expect(totals.failures).toBeGreaterThanOrEqual(statuses.length - 1);
    expect(totals.throttled).toBeGreaterThanOrEqual(1);

    await page.click('nav a[href="#/dashboard"]');
    await page.waitForSelector('#dashboard');
    const shown = await page.$$eval('#dashboard figure', (figures) =>
      figures.map((f) => ({
        series: f.getAttribute('data-series'),
        total: Number(f.querySelector('.total')?.textContent),
        bars: f.querySelectorAll('rect.bar').length,
        tallest: Math.max(...[...f.querySelectorAll('rect.bar')].map((r) => Number(r.getAttribute('height')))),
      })),
    );
    expect(shown.map((s) => s.series)).toEqual(['sign_ins', 'failures', 'throttled', 'reuse_detected']);
    for (const s of shown) {
      // What the page drew is what the API counted (nothing happened in between but this read).
      expect(s.total).toBe(totals[s.series as string]);
      expect(s.bars).toBe(24);
      expect(s.tallest > 0).toBe(s.total > 0);
    }
    await expect(page.locator('#activity tbody tr').count()).resolves.toBe(24);
    await shot('dashboard');
    expect(problems).toEqual([]);
  });
});

/** An admin access token with the second factor, for calls made beside the browser. */
async function adminToken(recoveryCode = 1): Promise<string> {
  const first = await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'root', password: ADMIN_PASSWORD } });
  const verified = await call(rt.baseUrl, 'POST', '/api/auth/mfa/verify', {
    body: { mfa_token: first.body.mfa_token, recovery_code: recoveryCodes[recoveryCode] },
  });
  return verified.body.access_token as string;
}
