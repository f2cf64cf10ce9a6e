/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SHOTS } from '../helpers/browser';
import { call, startLocalRuntime, type LocalRuntime } from '../helpers/local-runtime';

/**
 * The demo page in a real browser (Debian's Chromium driven by playwright-core): the refresh
 * token stays out of reach of page scripts, survives a reload, and another site can neither
 * refresh nor log out with it.
 */
const PASSWORD = 'a browser passphrase';
let rt: LocalRuntime;
let browser: Browser;
let page: Page;
let evil: Server;
let evilOrigin: string;

const refreshes = () =>
  rt
    .output()
    .split('\n')
    .filter((l) => l.includes('"message":"refresh_succeeded"')).length;

beforeAll(async () => {
  rt = await startLocalRuntime({ args: ['--in-memory'], env: { AUTH_TOKEN_DELIVERY: 'cookie' } });
  await call(rt.baseUrl, 'POST', '/api/auth/register', { body: { username: 'browser', password: PASSWORD } });
  // Another site: localhost is a different site from 127.0.0.1.
  evil = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<!doctype html><form id="f" method="POST" action="${rt.baseUrl}/api/auth/logout"></form><script>
      window.attack = async () => {
        const out = [];
        for (const path of ['/api/auth/refresh', '/api/auth/logout']) {
          try { const r = await fetch('${rt.baseUrl}' + path, { method: 'POST', credentials: 'include', headers: { 'X-Requested-With': 'x' } }); out.push(path + ' ' + r.status); }
          catch (e) { out.push(path + ' blocked'); }
        }
        return out;
      };</script>`);
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
  evilOrigin = `http://localhost:${(evil.address() as { port: number }).port}`;
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
});

afterAll(async () => {
  await browser?.close();
  evil?.close();
  await rt?.stop();
});

describe('the demo page in Chromium, cookie mode', () => {
  it('logs in and shows the claims; the refresh token is invisible to page scripts', async () => {
    await page.goto(`${rt.baseUrl}/`);
    await page.fill('#username', 'browser');
    await page.fill('#password', PASSWORD);
    await page.click('#login-button');
    await page.waitForSelector('#claims:has-text("browser")');
    expect(await page.evaluate(() => document.cookie)).toBe('');
    const cookie = (await page.context().cookies()).find((c) => c.name === '__Secure-auth-refresh');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/api/auth' });
    await page.click('#me');
    await page.waitForSelector('#output:has-text("browser")');
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'demo-page.png'), fullPage: true });
  });

  it('keeps the session across a reload, through a refresh with the cookie', async () => {
    const before = refreshes();
    await page.reload();
    await page.waitForSelector('#claims:has-text("browser")');
    expect(refreshes()).toBeGreaterThan(before);
  });

  it('lets a page of another site neither refresh nor log out', async () => {
    const before = refreshes();
    const attacker = await page.context().newPage();
    await attacker.goto(`${evilOrigin}/`);
    const results = await attacker.evaluate(() => (window as unknown as { attack: () => Promise<string[]> }).attack());
    // A cross-site form post (no CORS involved) gets no cookie either (SameSite=Strict).
    await attacker.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit());
    await attacker.waitForLoadState();
    await attacker.close();
    expect(results.every((r) => / (blocked|4\d\d)$/.test(r))).toBe(true);
    expect(refreshes()).toBe(before);
    // The session is still alive for its own page.
    await page.click('#refresh');
    await page.waitForSelector('#output:has-text("refreshed")');
    expect(refreshes()).toBe(before + 1);
  });
});
