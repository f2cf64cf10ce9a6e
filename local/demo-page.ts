import { join } from 'node:path';
import { browserBundle } from './browser-bundle';

/** The client, bundled for the browser (one IIFE exposing `AuthServiceClient.AuthClient`). */
const clientScript = (): string => browserBundle(join(__dirname, '..', 'client', 'auth-client.ts'), 'AuthServiceClient');

/**
 * The demo page `npm start` serves at `/`: the client in cookie mode, logging in (with a second
 * factor when the account has one, or with a passkey alone), showing the token's claims and its
 * `amr`, calling /api/me, refreshing, listing and ending sessions, setting up TOTP (with its QR
 * code) and passkeys, logging out. The refresh token lives in an HttpOnly cookie that this
 * page's scripts cannot read. Passkeys need the page at http://localhost:PORT (not an IP).
 */
export function demoPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aws-auth-service demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 15px/1.45 system-ui, sans-serif; max-width: 760px; margin: 2rem auto; padding: 0 1rem; color: #1d2330; }
h1 { font-size: 1.4rem; } section { border: 1px solid #d5dae3; border-radius: 8px; padding: 1rem; margin: 1rem 0; }
input, button { font: inherit; padding: .35rem .6rem; margin: .2rem; } button { cursor: pointer; }
pre { background: #f4f6f9; padding: .6rem; border-radius: 6px; overflow: auto; } .muted { color: #667; }
</style></head>
<body>
<h1>aws-auth-service</h1>
<p class="muted">Cookie mode: the refresh token is an HttpOnly cookie this page cannot read; the access token lives in memory only.</p>
<section id="signin"><form id="login"><input id="username" placeholder="username" autocomplete="username webauthn">
<input id="password" type="password" placeholder="password" autocomplete="current-password"><button id="login-button">Log in</button></form>
<button id="passkey-login">Sign in with a passkey</button>
<form id="second-factor" hidden><p>This account has a second factor (<span id="factors"></span>).</p>
<input id="code" placeholder="TOTP or recovery code" autocomplete="one-time-code" inputmode="numeric"><button id="verify">Verify</button>
<button id="use-passkey" type="button">Use a passkey</button></form>
<p id="status" class="muted">Not signed in.</p>
<form id="reset" hidden><p>Choose a new password:</p><input id="new-password" type="password" autocomplete="new-password" placeholder="new password"><button>Set it</button></form></section>
<section id="account" hidden>
<h2>Signed in</h2><pre id="claims"></pre>
<button id="me">GET /api/me</button><button id="refresh">Refresh</button><button id="sessions">My sessions</button><button id="logout">Log out</button>
<pre id="output"></pre><ul id="session-list"></ul>
<h3>Second factors</h3>
<button id="enrol-totp">Set up an authenticator app</button><button id="register-passkey">Register a passkey</button><button id="factors-list">My factors</button>
<div id="totp-setup" hidden><div id="qr"></div><p class="muted">Scan it, or type <code id="totp-secret"></code>, then enter the code the app shows:</p>
<form id="totp-confirm"><input id="totp-code" placeholder="123456" autocomplete="one-time-code" inputmode="numeric"><button>Confirm</button></form></div>
<pre id="recovery" hidden></pre></section>
<script>${clientScript()}</script>
<script>
const $ = (id) => document.getElementById(id);
let pendingAnswer;
// The client asks here when the password was right and the account has a second factor.
const onSecondFactor = (challenge) => new Promise((resolve) => {
  if (challenge.kind !== 'sign-in') return resolve(undefined);
  $('factors').textContent = challenge.factors.join(', ');
  $('use-passkey').hidden = !challenge.factors.includes('webauthn');
  $('second-factor').hidden = false; $('login').hidden = true; $('code').focus();
  pendingAnswer = { resolve, mfaToken: challenge.mfaToken };
});
const client = new AuthServiceClient.AuthClient({ baseUrl: location.origin, delivery: 'cookie', onSecondFactor });
let accessToken;
const claimsOf = (t) => JSON.parse(atob(t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
function show(tokens) {
  accessToken = tokens.accessToken;
  const c = claimsOf(tokens.accessToken);
  $('claims').textContent = JSON.stringify({ sub: c.sub, username: c.username, roles: c.roles, sid: c.sid, amr: c.amr,
    auth_time: c.auth_time && new Date(c.auth_time * 1000).toISOString(), expires: new Date(c.exp * 1000).toISOString() }, null, 2);
  $('account').hidden = false; $('signin').hidden = true;
}
const print = (v) => ($('output').textContent = typeof v === 'string' ? v : JSON.stringify(v, null, 2));
const fail = (err) => ($('status').textContent = 'Sign-in failed: ' + err.message);
client.refresh().then(show, () => ($('status').textContent = 'Not signed in.'));
// A link from a mail: its token is in the fragment, which the browser never sends to a server.
const linkToken = new URLSearchParams(location.hash.slice(1)).get('token');
const linkPage = location.pathname;
if (linkToken) history.replaceState(null, '', '/');
const postJson = (path, body) => fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
if (linkToken && linkPage === '/verify-email') {
  postJson('/api/auth/email/verify', { token: linkToken }).then((r) => ($('status').textContent = r.status === 204 ? 'Your address is confirmed.' : 'This link is invalid, expired or used.'));
}
if (linkToken && linkPage === '/reset-password') {
  $('reset').hidden = false; $('login').hidden = true;
  $('reset').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await postJson('/api/auth/password/reset', { token: linkToken, new_password: $('new-password').value });
    const body = r.status === 204 ? {} : await r.json();
    $('status').textContent = r.status === 204 ? 'Your password is changed: sign in with it.' : 'Not changed: ' + body.error_description;
    if (r.status === 204) { $('reset').hidden = true; $('login').hidden = false; }
  });
}
$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  try { await client.login($('username').value, $('password').value); show(await client.refresh()); } catch (err) { fail(err); }
});
$('second-factor').addEventListener('submit', (e) => {
  e.preventDefault();
  const v = $('code').value.trim();
  pendingAnswer.resolve(/^\\d{6}$/.test(v) ? { code: v } : { recovery_code: v });
});
$('use-passkey').onclick = async () => { try { pendingAnswer.resolve(await client.passkeyAnswer(pendingAnswer.mfaToken)); } catch (err) { fail(err); } };
$('passkey-login').onclick = async () => { try { await client.loginWithPasskey(); show(await client.refresh()); } catch (err) { fail(err); } };
$('me').onclick = async () => print(await (await client.fetch('/api/me')).json());
$('refresh').onclick = async () => { show(await client.refresh()); print('refreshed'); };
$('sessions').onclick = async () => {
  const { sessions } = await (await client.fetch('/api/auth/sessions')).json();
  const list = $('session-list'); list.replaceChildren();
  for (const s of sessions) {
    const li = document.createElement('li');
    li.textContent = s.sid.slice(0, 8) + '  ' + s.user_agent + '  ' + s.source_ip + (s.current ? '  (this one)' : '  ');
    if (!s.current) { const b = document.createElement('button'); b.textContent = 'End'; b.onclick = async () => { await client.fetch('/api/auth/sessions/' + s.sid, { method: 'DELETE' }); $('sessions').onclick(); }; li.append(b); }
    list.append(li);
  }
};
const showCodes = (codes) => { if (codes) { $('recovery').hidden = false; $('recovery').textContent = 'Recovery codes, shown once: keep them safe\\n' + codes.join('\\n'); } };
$('enrol-totp').onclick = async () => {
  const res = await client.fetch('/api/auth/mfa/totp', { method: 'POST' });
  const body = await res.json();
  if (!res.ok) return print(body);
  // The QR code is the service's own SVG, parsed as SVG (never as HTML) and placed as a node.
  const svg = new DOMParser().parseFromString(body.qr_svg, 'image/svg+xml').documentElement;
  svg.setAttribute('width', '180'); svg.setAttribute('height', '180');
  $('qr').replaceChildren(document.importNode(svg, true));
  $('totp-secret').textContent = body.secret; $('totp-setup').hidden = false;
};
$('totp-confirm').addEventListener('submit', async (e) => {
  e.preventDefault();
  const res = await client.fetch('/api/auth/mfa/totp/confirm', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code: $('totp-code').value.trim() }) });
  const body = await res.json();
  if (!res.ok) return print(body);
  $('totp-setup').hidden = true; showCodes(body.recovery_codes); show(await client.refresh()); print('TOTP is on');
});
$('register-passkey').onclick = async () => {
  try { const { recovery_codes } = await client.registerPasskey('demo page'); showCodes(recovery_codes); show(await client.refresh()); print('passkey registered'); }
  catch (err) { print(err.message); }
};
$('factors-list').onclick = async () => print(await (await client.fetch('/api/auth/mfa')).json());
$('logout').onclick = async () => { await client.logout(); location.reload(); };
</script></body></html>`;
}
