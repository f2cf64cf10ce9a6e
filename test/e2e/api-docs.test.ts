/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { call, startLocalRuntime, type LocalRuntime } from '../helpers/local-runtime';

/**
 * The interactive API reference at /docs, in Chromium: Swagger UI renders every operation of
 * the served /openapi.json under a CSP with no inline script, asks nothing of any other host,
 * and its "Try it out" reaches the service.
 */
let rt: LocalRuntime;
let browser: Browser;

beforeAll(async () => {
  rt = await startLocalRuntime({ args: ['--in-memory'] });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await rt?.stop();
});

it('renders every operation of /openapi.json under its CSP, and calls the service from the page', async () => {
  const doc = (await call(rt.baseUrl, 'GET', '/openapi.json')).body as unknown as { paths: Record<string, Record<string, unknown>> };
  const operations = Object.values(doc.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);

  const page = await (await browser.newContext()).newPage();
  const problems: string[] = [];
  const elsewhere: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(rt.baseUrl) && !r.url().startsWith('data:')) elsewhere.push(r.url());
  });
  const response = await page.goto(`${rt.baseUrl}/docs`);
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self';");
  await page.waitForSelector('.opblock', { timeout: 30_000 });
  expect(await page.locator('.opblock').count()).toBe(operations);

  // Try it out: GET /.well-known/jwks.json from the page.
  const jwks = page.locator('.opblock', { hasText: '/.well-known/jwks.json' }).first();
  await jwks.locator('.opblock-summary').click();
  await jwks.locator('button.try-out__btn').click();
  await jwks.locator('button.execute').click();
  const status = jwks.locator('.live-responses-table tbody .response-col_status').first();
  await status.waitFor({ timeout: 15_000 });
  expect((await status.textContent())?.trim()).toBe('200');

  expect(problems).toEqual([]);
  expect(elsewhere).toEqual([]);
}, 90_000);
