import { decodeJwt } from 'jose';
import { totpCode } from '../../functions/lib/domain/totp';
import { call, runUsersCli, signInEnrollingTotp, startLocalRuntime, type LocalRuntime } from '../helpers/local-runtime';

/**
 * Second factors over real HTTP against `npm start`: the sign-in's second step, step-up at the
 * authorizer under its warm cache, and the RFC 9470 challenges. Every answer is checked against
 * the OpenAPI document. Holders of no role must enrol here, so that an admin can hold a
 * password-only token and meet the admin routes' own rule.
 */
let rt: LocalRuntime;
const PASSWORD = 'a long enough passphrase';

beforeAll(async () => {
  rt = await startLocalRuntime({ env: { AUTH_MFA_REQUIRED_ROLES: 'none' } });
});
afterAll(async () => {
  await rt?.stop();
});

const create = (username: string, ...roles: string[]) => {
  const r = runUsersCli(['create', username, ...roles.flatMap((role) => ['--role', role])], { AUTH_DATA_DIR: rt.dataDir }, `${PASSWORD}\n`);
  if (r.status !== 0) throw new Error(r.stderr);
};
const login = (username: string) => call(rt.baseUrl, 'POST', '/api/auth/login', { body: { username, password: PASSWORD } });

describe('step-up at the authorizer (RFC 9470)', () => {
  it('refuses a password-only token on an mfa route under a warm authorizer cache, and takes the token a step-up answers', async () => {
    create('boss', 'admin', 'user');
    const first = await login('boss');
    expect(first.status).toBe(200);
    const passwordOnly = first.body.access_token as string;
    expect(decodeJwt(passwordOnly).amr).toEqual(['pwd']);

    // Twice: the second answer comes from the gateway's cache of the authorizer's Deny.
    for (let i = 0; i < 2; i++) {
      const denied = await call(rt.baseUrl, 'GET', '/api/admin/ping', { token: passwordOnly });
      expect([denied.status, denied.body.error]).toEqual([403, 'insufficient_user_authentication']);
      expect(denied.headers.get('www-authenticate')).toBe(
        'Bearer error="insufficient_user_authentication", error_description="a more recent or stronger authentication is required", acr_values="http://schemas.openid.net/pape/policies/2007/06/multi-factor"',
      );
    }

    // Enrol TOTP with that token's session, then step up the password-only token with a later code.
    const started = await call(rt.baseUrl, 'POST', '/api/auth/mfa/totp', { token: passwordOnly });
    expect(started.body.otpauth_uri).toMatch(/^otpauth:\/\/totp\//);
    expect(started.body.qr_svg).toMatch(/^<svg/);
    const secret = started.body.secret as string;
    const confirmed = await call(rt.baseUrl, 'POST', '/api/auth/mfa/totp/confirm', {
      token: passwordOnly,
      body: { code: totpCode(secret, Date.now()) },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recovery_codes).toHaveLength(10);
    expect((await call(rt.baseUrl, 'GET', '/api/admin/ping', { token: passwordOnly })).status).toBe(403);

    const stepped = await call(rt.baseUrl, 'POST', '/api/auth/mfa/step-up', {
      token: passwordOnly,
      body: { code: totpCode(secret, Date.now() + 30_000) },
    });
    expect(stepped.status).toBe(200);
    const strong = stepped.body.access_token as string;
    expect(decodeJwt(strong)).toMatchObject({
      amr: ['pwd', 'otp', 'mfa'],
      acr: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor',
    });
    const ping = await call(rt.baseUrl, 'GET', '/api/admin/ping', { token: strong });
    expect([ping.status, ping.body.username]).toEqual([200, 'boss']);

    // The session keeps it: a refresh of the first sign-in's token now carries mfa too.
    const refreshed = await call(rt.baseUrl, 'POST', '/api/auth/refresh', { body: { refresh_token: first.body.refresh_token } });
    expect(decodeJwt(refreshed.body.access_token as string).amr).toEqual(['pwd', 'otp', 'mfa']);
  });
});

describe("the sign-in's second step over HTTP", () => {
  it('answers a correct password with 403 mfa_required, and the mfa_token is no bearer token and opens one session only', async () => {
    create('carla');
    const { recovery_codes: codes } = await signInEnrollingTotp(rt.baseUrl, 'carla', PASSWORD);
    const challenged = await login('carla');
    expect(challenged.status).toBe(403);
    expect(challenged.body).toMatchObject({ error: 'mfa_required', factors: ['totp', 'recovery_code'], expires_in: 300 });
    const mfaToken = challenged.body.mfa_token as string;

    const asBearer = await call(rt.baseUrl, 'GET', '/api/me', { token: mfaToken });
    expect(asBearer.status).toBe(401);

    const wrong = await call(rt.baseUrl, 'POST', '/api/auth/mfa/verify', { body: { mfa_token: mfaToken, code: '000000' } });
    expect([wrong.status, wrong.body.error]).toEqual([401, 'invalid_grant']);
    const both = await call(rt.baseUrl, 'POST', '/api/auth/mfa/verify', {
      body: { mfa_token: mfaToken, code: '000000', recovery_code: 'x' },
    });
    expect([both.status, both.body.error]).toEqual([400, 'invalid_request']);

    const ok = await call(rt.baseUrl, 'POST', '/api/auth/mfa/verify', { body: { mfa_token: mfaToken, recovery_code: codes[0] } });
    expect(ok.status).toBe(200);
    expect(decodeJwt(ok.body.access_token as string).amr).toEqual(['pwd', 'otp', 'mfa']);
    const again = await call(rt.baseUrl, 'POST', '/api/auth/mfa/verify', { body: { mfa_token: mfaToken, recovery_code: codes[1] } });
    expect([again.status, again.body.error]).toEqual([401, 'invalid_grant']);

    const factors = await call(rt.baseUrl, 'GET', '/api/auth/mfa', { token: ok.body.access_token as string });
    expect(factors.body).toEqual({ totp: { enabled: true, confirmed_at: expect.any(Number) }, passkeys: [], recovery_codes_remaining: 9 });
  });

  it('answers a password change without a recent second factor with 401 and the RFC 9470 challenge', async () => {
    create('dina');
    const before = (await login('dina')).body.access_token as string;
    const started = await call(rt.baseUrl, 'POST', '/api/auth/mfa/totp', { token: before });
    const confirmed = await call(rt.baseUrl, 'POST', '/api/auth/mfa/totp/confirm', {
      token: before,
      body: { code: totpCode(started.body.secret as string, Date.now()) },
    });
    const change = { current_password: PASSWORD, new_password: 'another long enough passphrase' };

    // The token from before the factor existed says only pwd: the change needs the factor now.
    const refused = await call(rt.baseUrl, 'POST', '/api/auth/password', { token: before, body: change });
    expect([refused.status, refused.body.error]).toEqual([401, 'insufficient_user_authentication']);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_user_authentication", .*max_age=900$/);

    const changed = await call(rt.baseUrl, 'POST', '/api/auth/password', { token: confirmed.body.access_token as string, body: change });
    expect(changed.status).toBe(200);
  });
});

describe("an admin and a user's lost device", () => {
  it("lists a user's factors and resets them over HTTP and the CLI: audited, and every session ends", async () => {
    create('erin');
    create('warden', 'admin');
    const erin = await signInEnrollingTotp(rt.baseUrl, 'erin', PASSWORD);
    const admin = (await signInEnrollingTotp(rt.baseUrl, 'warden', PASSWORD)).access_token;

    const listed = await call(rt.baseUrl, 'GET', '/api/admin/users/erin/factors', { token: admin });
    expect(listed.body).toEqual({ totp: { enabled: true, confirmed_at: expect.any(Number) }, passkeys: [], recovery_codes_remaining: 10 });
    const cli = runUsersCli(['factors', 'erin'], { AUTH_DATA_DIR: rt.dataDir });
    expect(cli.stdout).toMatch(/^totp +on since \d{4}-/m);
    expect(cli.stdout).toMatch(/^recovery codes +10 left$/m);
    expect(cli.stdout).not.toContain(erin.secret);

    const reset = await call(rt.baseUrl, 'POST', '/api/admin/users/erin/reset-factors', { token: admin });
    expect(reset.status).toBe(200);
    expect(reset.body.ended).toBeGreaterThanOrEqual(1);
    const refreshed = await call(rt.baseUrl, 'POST', '/api/auth/refresh', { body: { refresh_token: erin.refresh_token } });
    expect(refreshed.status).toBe(401);
    // No factor now: the password alone signs in again, and the reset is in the audit trail.
    expect((await login('erin')).status).toBe(200);
    const events = await call(rt.baseUrl, 'GET', '/api/admin/users/erin/events', { token: admin });
    expect((events.body.events as { event: string }[]).map((e) => e.event)).toEqual(
      expect.arrayContaining(['mfa_enrolled', 'mfa_reset', 'sessions_revoked']),
    );
    expect(runUsersCli(['reset-factors', 'erin'], { AUTH_DATA_DIR: rt.dataDir }).stdout).toMatch(/^removed every second factor/);
  });
});
