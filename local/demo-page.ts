import { join } from 'node:path';
import { buildSync } from 'esbuild';

/** The client, bundled for the browser (one IIFE exposing `AuthServiceClient.AuthClient`). */
function clientScript(): string {
  const out = buildSync({
    entryPoints: [join(__dirname, '..', 'client', 'auth-client.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'AuthServiceClient',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]?.text ?? '';
}

/**
 * The demo page `npm start` serves at `/`: the client in cookie mode, logging in, showing the
 * token's claims, calling /api/me, refreshing, listing and ending sessions, logging out. The
 * refresh token lives in an HttpOnly cookie that this page's scripts cannot read.
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
<section id="signin"><form id="login"><input id="username" placeholder="username" autocomplete="username">
<input id="password" type="password" placeholder="password" autocomplete="current-password"><button id="login-button">Log in</button></form>
<p id="status" class="muted">Not signed in.</p></section>
<section id="account" hidden>
<h2>Signed in</h2><pre id="claims"></pre>
<button id="me">GET /api/me</button><button id="refresh">Refresh</button><button id="sessions">My sessions</button><button id="logout">Log out</button>
<pre id="output"></pre><ul id="session-list"></ul></section>
<script>${clientScript()}</script>
<script>
const client = new AuthServiceClient.AuthClient({ baseUrl: location.origin, delivery: 'cookie' });
const $ = (id) => document.getElementById(id);
let accessToken;
const claimsOf = (t) => JSON.parse(atob(t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
function show(tokens) {
  accessToken = tokens.accessToken;
  const c = claimsOf(tokens.accessToken);
  $('claims').textContent = JSON.stringify({ sub: c.sub, username: c.username, roles: c.roles, sid: c.sid, expires: new Date(c.exp * 1000).toISOString() }, null, 2);
  $('account').hidden = false; $('signin').hidden = true;
}
const print = (v) => ($('output').textContent = typeof v === 'string' ? v : JSON.stringify(v, null, 2));
client.refresh().then(show, () => ($('status').textContent = 'Not signed in.'));
$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  try { await client.login($('username').value, $('password').value); show(await client.refresh()); }
  catch (err) { $('status').textContent = 'Login failed: ' + err.message; }
});
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
$('logout').onclick = async () => { await client.logout(); location.reload(); };
</script></body></html>`;
}
