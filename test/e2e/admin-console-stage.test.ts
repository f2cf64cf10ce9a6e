/// <reference lib="dom" />
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, pageProblems } from '../helpers/browser';
import { runUsersCli, signInEnrollingTotp, startLocalRuntime, type LocalRuntime } from '../helpers/local-runtime';

/**
 * The admin console as a deployed stack serves it: under an API Gateway stage (`/prod`), which
 * the issuer's URL carries. A proxy on loopback plays the stage (it strips `/prod` as API Gateway
 * does), in front of `npm start` whose issuer is the proxy's `/prod` URL. The page must load its
 * files, call the API and keep its session cookie all under `/prod`, and nothing outside it.
 */
const PASSWORD = 'a staged console passphrase';
let rt: LocalRuntime;
let proxy: Server;
let stageUrl: string;
let browser: Browser;
let page: Page;
let recoveryCodes: string[];
const requested: string[] = [];
let problems: string[];
const refused: string[] = [];

beforeAll(async () => {
  let target = '';
  proxy = createServer((req, res) => {
    if (!req.url?.startsWith('/prod/')) {
      res.writeHead(403, { 'Content-Type': 'application/json' }).end('{"error":"forbidden","error_description":"not under the stage"}');
      return;
    }
    const upstream = request(`${target}${req.url.slice('/prod'.length)}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  stageUrl = `${origin}/prod`;
  rt = await startLocalRuntime({ env: { AUTH_ISSUER: stageUrl } });
  target = rt.baseUrl;
  const created = runUsersCli(['create', 'stager', '--role', 'admin', '--role', 'user'], { AUTH_DATA_DIR: rt.dataDir }, `${PASSWORD}\n`);
  if (created.status !== 0) throw new Error(created.stderr);
  recoveryCodes = (await signInEnrollingTotp(stageUrl, 'stager', PASSWORD)).recovery_codes;
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  page.on('request', (r) => requested.push(r.url()));
  page.on('response', (r) => {
    if (r.status() >= 400) refused.push(`${r.request().method()} ${r.url().slice(stageUrl.length)} ${r.status()}`);
  });
  problems = pageProblems(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rt?.stop();
  await new Promise((r) => proxy?.close(r));
});

it('loads, signs in, keeps its session across a reload and reads the admin API, all under the stage', async () => {
  await page.goto(`${stageUrl}/admin`);
  await page.fill('#username', 'stager');
  await page.fill('#password', PASSWORD);
  await page.click('#sign-in button');
  await page.fill('#code', recoveryCodes[0] as string);
  await page.click('#second-factor button');
  await page.waitForSelector('#users');

  // The refresh cookie is scoped to the stage's auth routes, and brings the session back.
  const cookies = await page.context().cookies();
  expect(cookies.map((c) => [c.name, c.path, c.httpOnly])).toEqual([['__Secure-auth-refresh', '/prod/api/auth', true]]);
  await page.reload();
  await page.waitForSelector('#users');
  await page.click('nav a[href="#/dashboard"]');
  await page.waitForSelector('#dashboard figure');

  expect(requested.filter((url) => !url.startsWith(`${stageUrl}/`))).toEqual([]);
  expect(requested).toEqual(
    expect.arrayContaining([`${stageUrl}/admin/console.js`, `${stageUrl}/admin/console.css`, `${stageUrl}/api/admin/activity`]),
  );
  // Only the two the flow expects: no session before sign-in, and the password's "now the second factor".
  expect(refused).toEqual(['POST /api/auth/refresh 400', 'POST /api/auth/login 403']);
  expect(problems).toEqual([]);
});
