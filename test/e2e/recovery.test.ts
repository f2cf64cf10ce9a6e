import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, SHOTS } from '../helpers/browser';
import { call, inboxOf, startLocalRuntime, type LocalRuntime } from '../helpers/local-runtime';

/**
 * Recovery by email over real HTTP against `npm start`, reading the real local inbox (its SMTP
 * server received every mail as MIME). Every answer is checked against the OpenAPI document.
 */
let rt: LocalRuntime;
let inbox: ReturnType<typeof inboxOf>;
const PASSWORD = 'a recovery passphrase';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

beforeAll(async () => {
  rt = await startLocalRuntime({ args: ['--in-memory'] });
  inbox = inboxOf(rt);
});
afterAll(async () => {
  await rt?.stop();
});

/** Registers `username` with `email` and follows the verification link from the inbox. */
async function registerVerified(username: string, email: string) {
  const made = await call(rt.baseUrl, 'POST', '/api/auth/register', { body: { username, password: PASSWORD, email } });
  expect(made.status).toBe(201);
  const mail = await inbox.next(email, 'confirm your email address');
  expect(mail.subject).toBe('aws-auth-service: confirm your email address');
  const verified = await call(rt.baseUrl, 'POST', '/api/auth/email/verify', { body: { token: inbox.tokenOf(mail) } });
  expect(verified.status).toBe(204);
}

describe('recovery by email, with the local inbox', () => {
  it('registers with an address, verifies it from the mail, and signs in with the address', async () => {
    await registerVerified('rosa', 'rosa@example.com');
    const login = await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'rosa@example.com', password: PASSWORD } });
    expect(login.status).toBe(200);
    // A first sign-in from this source: the owner hears of it.
    expect((await inbox.next('rosa@example.com', 'a sign-in from a new place')).text).toMatch(/signed in to from 127\.0\.0\.1/);
  });

  it('resets a forgotten password from the mailed link: old sessions end, a notice follows, the link works once', async () => {
    await registerVerified('sven', 'sven@example.com');
    const old = await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'sven', password: PASSWORD } });

    const asked = await call(rt.baseUrl, 'POST', '/api/auth/password/forgot', { body: { email: 'sven@example.com' } });
    expect([asked.status, asked.body.status]).toEqual([202, 'accepted']);
    const mail = await inbox.next('sven@example.com', 'reset your password');
    expect(mail.subject).toBe('aws-auth-service: reset your password');
    const token = inbox.tokenOf(mail);
    expect(mail.text).toContain(`/reset-password#token=${token}`);
    expect(mail.html).toContain('Choose a new password');

    const reset = await call(rt.baseUrl, 'POST', '/api/auth/password/reset', {
      body: { token, new_password: 'a fresh recovery passphrase' },
    });
    expect(reset.status).toBe(204);
    const notice = await inbox.next('sven@example.com', 'your password was changed');
    expect(notice.subject).toBe('aws-auth-service: your password was changed');
    expect((await call(rt.baseUrl, 'POST', '/api/auth/refresh', { body: { refresh_token: old.body.refresh_token } })).status).toBe(401);
    const again = await call(rt.baseUrl, 'POST', '/api/auth/password/reset', { body: { token, new_password: 'one more passphrase here' } });
    expect([again.status, again.body.error]).toEqual([401, 'invalid_grant']);
    const login = await call(rt.baseUrl, 'POST', '/api/auth/login', {
      body: { username: 'sven', password: 'a fresh recovery passphrase' },
    });
    expect(login.status).toBe(200);
  });

  it('changes the address once the new one confirms it, with a notice to the old one', async () => {
    await registerVerified('xena', 'xena@example.com');
    const token = (await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'xena', password: PASSWORD } })).body
      .access_token as string;
    const asked = await call(rt.baseUrl, 'POST', '/api/auth/email', { token, body: { email: 'xena@example.org' } });
    expect(asked.status).toBe(202);
    expect((await inbox.next('xena@example.com', 'a change of your email address')).text).toContain('xena@example.org');
    // Until the new address confirms, the old one is the account's.
    const signIn = (username: string) => call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username, password: PASSWORD } });
    expect((await signIn('xena@example.org')).status).toBe(401);
    const link = inbox.tokenOf(await inbox.next('xena@example.org', 'confirm your email address'));
    expect((await call(rt.baseUrl, 'POST', '/api/auth/email/verify', { body: { token: link } })).status).toBe(204);
    expect((await signIn('xena@example.org')).status).toBe(200);
    expect((await signIn('xena@example.com')).status).toBe(401);
  });

  it('lets exactly one of 20 concurrent resets with one link succeed', async () => {
    await registerVerified('tove', 'tove@example.com');
    await call(rt.baseUrl, 'POST', '/api/auth/password/forgot', { body: { username: 'tove' } });
    const token = inbox.tokenOf(await inbox.next('tove@example.com', 'reset your password'));
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(rt.baseUrl, 'POST', '/api/auth/password/reset', { body: { token, new_password: `concurrent passphrase ${i}` } }),
      ),
    );
    expect(answers.filter((a) => a.status === 204)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 401)).toHaveLength(19);
  });

  it('refuses the fourth request for one address within the hour, and the inbox holds exactly three links', async () => {
    await registerVerified('ulla', 'ulla@example.com');
    const ask = () => call(rt.baseUrl, 'POST', '/api/auth/password/forgot', { body: { email: 'ulla@example.com' } });
    for (let i = 0; i < 3; i++) expect((await ask()).status).toBe(202);
    const refused = await ask();
    expect([refused.status, refused.body.error]).toEqual([429, 'too_many_attempts']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3000);
    await inbox.next('ulla@example.com', 'reset your password', 3);
    await new Promise((r) => setTimeout(r, 300));
    const links = (await inbox.messages()).filter((m) => m.to.includes('ulla@example.com') && m.subject.endsWith('reset your password'));
    expect(links).toHaveLength(3);
  });
});

describe('the local inbox page', () => {
  it('shows a received mail to a person, as text, and its link resets the password on the demo page', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${rt.baseUrl}/inbox/`);
      await page.waitForSelector('article h2:has-text("reset your password")');
      // A mail's HTML is never rendered here: no link in the page is live.
      expect(await page.locator('a').count()).toBe(0);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'local-inbox.png') });

      // The link itself opens the demo page, which takes the token from the fragment.
      await registerVerified('wren', 'wren@example.com');
      await call(rt.baseUrl, 'POST', '/api/auth/password/forgot', { body: { username: 'wren' } });
      const link = /(http:\/\/\S+\/reset-password#token=\S+)/.exec(
        (await inbox.next('wren@example.com', 'reset your password')).text,
      )?.[1] as string;
      await page.goto(link);
      await page.fill('#new-password', 'a password from the link');
      await page.click('#reset button');
      await page.waitForSelector('#status:has-text("Your password is changed")');
      expect(new URL(page.url()).hash).toBe('');
      const login = await call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username: 'wren', password: 'a password from the link' } });
      expect(login.status).toBe(200);
    } finally {
      await browser.close();
    }
  });
});

describe('no enumeration through the forgot-password route', () => {
  let loose: LocalRuntime;
  beforeAll(async () => {
    // Limits high enough for 60 requests from one address: this is about the answers alone.
    loose = await startLocalRuntime({
      args: ['--in-memory'],
      env: { AUTH_MAIL_PER_ADDRESS_PER_HOUR: '1000', AUTH_MAIL_PER_SOURCE_PER_HOUR: '1000' },
    });
    const made = await call(loose.baseUrl, 'POST', '/api/auth/register', {
      body: { username: 'vera', password: PASSWORD, email: 'vera@example.com' },
    });
    expect(made.status).toBe(201);
    const mail = await inboxOf(loose).next('vera@example.com', 'confirm your email address');
    await call(loose.baseUrl, 'POST', '/api/auth/email/verify', { body: { token: inboxOf(loose).tokenOf(mail) } });
  });
  afterAll(async () => {
    await loose?.stop();
  });

  it('answers a known and an unknown address with the same status and body, in the same time (median of 30 each, ratio within 0.8-1.25)', async () => {
    const timed = async (email: string) => {
      const t0 = process.hrtime.bigint();
      const res = await call(loose.baseUrl, 'POST', '/api/auth/password/forgot', { body: { email } });
      return { ms: Number(process.hrtime.bigint() - t0) / 1e6, status: res.status, body: JSON.stringify(res.body) };
    };
    // Warm both paths first.
    await timed('vera@example.com');
    await timed('nobody@example.com');
    const known: number[] = [];
    const unknown: number[] = [];
    const answers = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const a = await timed('vera@example.com');
      const b = await timed(`nobody-${i}@example.com`);
      known.push(a.ms);
      unknown.push(b.ms);
      answers.add(`${a.status} ${a.body}`).add(`${b.status} ${b.body}`);
    }
    expect([...answers]).toEqual([
      '202 {"status":"accepted","message":"if the account has a verified address, a reset link is on its way"}',
    ]);
    const ratio = median(unknown) / median(known);
    process.stdout.write(
      `\nforgot timing: unknown address median ${median(unknown).toFixed(1)} ms, known ${median(known).toFixed(1)} ms, ratio ${ratio.toFixed(3)}\n`,
    );
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.25);
  });
});
