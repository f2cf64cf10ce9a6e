/// <reference lib="dom" />
/**
 * The admin console: one page at /admin that signs in through the service itself (the client in
 * cookie mode, with the second factor admins need) and then uses only the admin API. Every
 * text it shows is set as text (never parsed as HTML), and it runs under a CSP with no inline
 * script. Its API calls carry the access token in a header, which no other site can send.
 */
import { AuthClient, AuthClientError, type SecondFactorAnswer } from '../client/auth-client';
import { type Activity, dashboard } from './dashboard';
import { h, table } from './dom';

type Json = Record<string, unknown>;
interface UserRow {
  username: string;
  roles: string[];
  status: string;
  createdAt: number;
}
interface Session {
  sid: string;
  created_at: string;
  last_used_at: string;
  user_agent: string | null;
  source_ip: string | null;
}
interface AuditEvent {
  event: string;
  at: number;
  outcome: string;
  reason?: string;
  sourceIp?: string;
  sid?: string;
}
interface MachineClient {
  clientId: string;
  name: string;
  status: string;
  scopes: string[];
  secrets: { id: string }[];
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const main = $('main');

/** Tells the person what happened, in words: in the status line, read out by screen readers. */
function say(text: string, kind: 'ok' | 'error' = 'ok') {
  const status = $('status');
  status.textContent = text;
  status.className = kind;
}

const when = (seconds: number) => new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);

// Sign-in asks for the second factor on the page: the client waits on this form.
let answerSecondFactor: ((answer: SecondFactorAnswer | undefined) => void) | undefined;
const client = new AuthClient({
  // The API this page came from: its origin and path (an API Gateway stage), less `/admin`.
  baseUrl: location.origin + location.pathname.replace(/\/admin\/?$/, ''),
  delivery: 'cookie',
  onSecondFactor: () =>
    new Promise((resolve) => {
      answerSecondFactor = resolve;
      showSecondFactor();
    }),
});

/** One admin API call; a refusal becomes an error with the service's own description. */
async function api<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await client.fetch(path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as Json) : {};
  if (!res.ok) throw new AuthClientError(res.status, String(json.error ?? 'error'), String(json.error_description ?? res.statusText), json);
  return json as T;
}

/** Runs an action, and says what came of it. */
async function act(done: string, action: () => Promise<unknown>, then?: () => unknown) {
  try {
    await action();
    say(done);
    await then?.();
  } catch (err) {
    say(err instanceof AuthClientError ? `Refused: ${err.message} (${err.error}).` : `Failed: ${(err as Error).message}`, 'error');
  }
}

function showSignIn() {
  $('nav').hidden = true;
  const form = h(
    'form',
    { class: 'inline', id: 'sign-in' },
    h('input', { id: 'username', placeholder: 'username', autocomplete: 'username', required: true }),
    h('input', { id: 'password', type: 'password', placeholder: 'password', autocomplete: 'current-password', required: true }),
    h('button', { class: 'primary' }, 'Sign in'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void signIn($<HTMLInputElement>('username').value, $<HTMLInputElement>('password').value);
  });
  main.replaceChildren(h('section', {}, h('h2', {}, 'Sign in as an administrator'), form));
}

function showSecondFactor() {
  const form = h(
    'form',
    { class: 'inline', id: 'second-factor' },
    h('input', { id: 'code', placeholder: 'authenticator code or recovery code', autocomplete: 'one-time-code', required: true }),
    h('button', { class: 'primary' }, 'Verify'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = $<HTMLInputElement>('code').value.trim();
    answerSecondFactor?.(/^\d{6}$/.test(value) ? { code: value } : { recovery_code: value });
  });
  main.replaceChildren(
    h('section', {}, h('h2', {}, 'Second factor'), h('p', { class: 'muted' }, 'Administrators sign in with a second factor.'), form),
  );
  $('code').focus();
}

async function signIn(username: string, password: string) {
  try {
    await client.login(username, password);
    if (await enter()) say(`Signed in as ${username}.`);
  } catch (err) {
    const e = err as AuthClientError;
    say(e.error === 'invalid_grant' ? 'Wrong username or password.' : `Sign-in refused: ${e.message}`, 'error');
    showSignIn();
  }
}

/** Opens the console for an admin's session; anyone else's is ended here and refused. */
async function enter(): Promise<boolean> {
  const me = await api<{ roles: string[] }>('GET', '/api/me');
  if (!me.roles.includes('admin')) {
    await client.logout();
    say('This account is not an administrator: the console is for the admin role only.', 'error');
    showSignIn();
    return false;
  }
  $('nav').hidden = false;
  if (!location.hash.startsWith('#/')) location.hash = '#/users';
  await route();
  return true;
}

async function showUsers(prefix = '', cursor?: string) {
  const query = new URLSearchParams({ limit: '20', ...(prefix && { prefix }), ...(cursor && { cursor }) });
  const page = await api<{ users: UserRow[]; next?: string }>('GET', `/api/admin/users?${query}`);
  const search = h(
    'form',
    { class: 'inline', id: 'search' },
    h('input', { id: 'prefix', placeholder: 'names starting with…', value: prefix }),
    h('button', {}, 'Search'),
  );
  search.addEventListener('submit', (e) => {
    e.preventDefault();
    void showUsers($<HTMLInputElement>('prefix').value.trim());
  });
  const rows = page.users.map((u) =>
    h(
      'tr',
      {},
      h('td', {}, h('a', { class: 'user', href: `#/users/${encodeURIComponent(u.username)}` }, u.username)),
      h('td', {}, h('span', { class: `badge ${u.status}` }, u.status)),
      h('td', {}, u.roles.join(', ')),
      h('td', { class: 'muted' }, when(u.createdAt)),
    ),
  );
  const create = h(
    'form',
    { class: 'inline', id: 'create-user' },
    h('input', { id: 'new-username', placeholder: 'username', required: true }),
    h('input', { id: 'new-password', type: 'password', placeholder: 'initial password', autocomplete: 'new-password', required: true }),
    h('input', { id: 'new-roles', placeholder: 'roles, comma-separated', value: 'user' }),
    h('button', { class: 'primary' }, 'Create user'),
  );
  create.addEventListener('submit', (e) => {
    e.preventDefault();
    const username = $<HTMLInputElement>('new-username').value.trim();
    void act(
      `Created ${username}.`,
      () =>
        api('POST', '/api/admin/users', {
          username,
          password: $<HTMLInputElement>('new-password').value,
          roles: rolesOf($<HTMLInputElement>('new-roles').value),
        }),
      () => showUsers(prefix),
    );
  });
  main.replaceChildren(
    h(
      'section',
      {},
      h('h2', {}, 'Users'),
      search,
      table('users', ['Username', 'Status', 'Roles', 'Created'], rows),
      rows.length === 0 ? h('p', { class: 'muted' }, 'No user matches.') : undefined,
      page.next ? h('button', { id: 'next-page', click: () => void showUsers(prefix, page.next) }, 'Next page') : undefined,
    ),
    h('section', {}, h('h3', {}, 'New user'), create),
  );
}

const rolesOf = (text: string) =>
  text
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);

async function showUser(username: string) {
  const base = `/api/admin/users/${encodeURIComponent(username)}`;
  const [user, sessions, factors, events] = await Promise.all([
    api<UserRow>('GET', base),
    api<{ sessions: Session[] }>('GET', `${base}/sessions`),
    api<{ totp: { enabled: boolean }; passkeys: unknown[]; recovery_codes_remaining: number }>('GET', `${base}/factors`),
    api<{ events: AuditEvent[] }>('GET', `${base}/events?limit=50`),
  ]);
  const again = () => showUser(username);
  const roles = h(
    'form',
    { class: 'inline', id: 'roles' },
    h('input', { id: 'roles-input', value: user.roles.join(', ') }),
    h('button', {}, 'Save roles'),
  );
  roles.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = rolesOf($<HTMLInputElement>('roles-input').value);
    void act(`${username} now has the roles: ${next.join(', ')}.`, () => api('PUT', `${base}/roles`, { roles: next }), again);
  });
  const disabled = user.status === 'disabled';
  const temporary = h('p', { id: 'temporary' });
  main.replaceChildren(
    h(
      'section',
      {},
      h('h2', {}, user.username, ' ', h('span', { class: `badge ${user.status}` }, user.status)),
      h('p', { class: 'muted' }, `Created ${when(user.createdAt)}.`),
      h(
        'p',
        {},
        h(
          'button',
          {
            id: disabled ? 'enable' : 'disable',
            class: disabled ? '' : 'danger',
            click: () =>
              void act(
                disabled
                  ? `Enabled ${username}: they can sign in again.`
                  : `Disabled ${username}: their sessions ended, and they cannot sign in.`,
                () => api('POST', `${base}/${disabled ? 'enable' : 'disable'}`),
                again,
              ),
          },
          disabled ? 'Enable' : 'Disable',
        ),
        h(
          'button',
          {
            id: 'reset-password',
            click: () =>
              void act(`Reset the password of ${username}.`, async () => {
                const { temporaryPassword } = await api<{ temporaryPassword: string }>('POST', `${base}/reset-password`);
                temporary.replaceChildren(
                  'Temporary password (shown once; they must replace it at sign-in): ',
                  h('span', { class: 'secret' }, temporaryPassword),
                );
              }),
          },
          'Reset password',
        ),
      ),
      temporary,
      h('h3', {}, 'Roles'),
      roles,
    ),
    h(
      'section',
      {},
      h('h3', {}, `Sessions (${sessions.sessions.length})`),
      table(
        'sessions',
        ['Started', 'Last used', 'From', 'Client', ''],
        sessions.sessions.map((s) =>
          h(
            'tr',
            { 'data-sid': s.sid },
            h('td', {}, s.created_at.slice(0, 19).replace('T', ' ')),
            h('td', {}, s.last_used_at.slice(0, 19).replace('T', ' ')),
            h('td', {}, s.source_ip ?? '-'),
            h('td', { class: 'muted' }, s.user_agent ?? '-'),
            h(
              'td',
              {},
              h(
                'button',
                {
                  class: 'danger end-session',
                  click: () => void act('Ended that session.', () => api('DELETE', `${base}/sessions/${encodeURIComponent(s.sid)}`), again),
                },
                'End',
              ),
            ),
          ),
        ),
      ),
      h(
        'button',
        {
          id: 'end-all',
          class: 'danger',
          click: () => void act(`Ended every session of ${username}.`, () => api('POST', `${base}/revoke-sessions`), again),
        },
        'End all sessions',
      ),
    ),
    h(
      'section',
      {},
      h('h3', {}, 'Second factors'),
      h(
        'p',
        {},
        `Authenticator app: ${factors.totp.enabled ? 'on' : 'off'}. Passkeys: ${factors.passkeys.length}. Recovery codes left: ${factors.recovery_codes_remaining}.`,
      ),
    ),
    h(
      'section',
      {},
      h('h3', {}, 'Events'),
      table(
        'events',
        ['When', 'Event', 'Outcome', 'Reason', 'From'],
        events.events.map((ev) =>
          h(
            'tr',
            {},
            h('td', {}, when(ev.at)),
            h('td', {}, ev.event),
            h('td', {}, ev.outcome),
            h('td', {}, ev.reason ?? ''),
            h('td', {}, ev.sourceIp ?? ''),
          ),
        ),
      ),
    ),
  );
}

/** The clients; `reveal` is a secret just made, shown this once and never again. */
async function showClients(reveal?: { name: string; value: string }) {
  const { clients } = await api<{ clients: MachineClient[] }>('GET', '/api/admin/clients');
  const secret = h(
    'p',
    { id: 'client-secret' },
    ...(reveal ? [`Secret of ${reveal.name}, shown once: keep it now. `, h('span', { class: 'secret' }, reveal.value)] : []),
  );
  const create = h(
    'form',
    { class: 'inline', id: 'create-client' },
    h('input', { id: 'client-name', placeholder: 'name', required: true }),
    h('input', { id: 'client-scopes', placeholder: 'scopes, comma-separated' }),
    h('button', { class: 'primary' }, 'Create client'),
  );
  create.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = $<HTMLInputElement>('client-name').value.trim();
    void act(`Created ${name}.`, async () => {
      const made = await api<{ client: MachineClient; client_secret: string }>('POST', '/api/admin/clients', {
        name,
        scopes: rolesOf($<HTMLInputElement>('client-scopes').value),
      });
      await showClients({ name, value: made.client_secret });
    });
  });
  const rows = clients.map((c) => {
    const base = `/api/admin/clients/${encodeURIComponent(c.clientId)}`;
    const scopes = h('input', { value: c.scopes.join(', '), 'aria-label': `scopes of ${c.name}` }) as HTMLInputElement;
    return h(
      'tr',
      {},
      h('td', {}, c.name, h('div', { class: 'muted' }, c.clientId)),
      h('td', {}, h('span', { class: `badge ${c.status}` }, c.status)),
      h(
        'td',
        {},
        scopes,
        h(
          'button',
          {
            click: () =>
              void act(
                `Saved the scopes of ${c.name}.`,
                () => api('PUT', `${base}/scopes`, { scopes: rolesOf(scopes.value) }),
                showClients,
              ),
          },
          'Save',
        ),
      ),
      h(
        'td',
        {},
        h(
          'button',
          {
            click: () =>
              void act(`Rotated the secret of ${c.name}; the old one works one more day.`, async () => {
                const rotated = await api<{ client_secret: string }>('POST', `${base}/rotate-secret`);
                await showClients({ name: c.name, value: rotated.client_secret });
              }),
          },
          'Rotate secret',
        ),
        h(
          'button',
          {
            class: c.status === 'active' ? 'danger' : '',
            click: () =>
              void act(
                c.status === 'active' ? `Disabled ${c.name}: its tokens stop working.` : `Enabled ${c.name}.`,
                () => api('POST', `${base}/${c.status === 'active' ? 'disable' : 'enable'}`),
                showClients,
              ),
          },
          c.status === 'active' ? 'Disable' : 'Enable',
        ),
      ),
    );
  });
  main.replaceChildren(
    h(
      'section',
      {},
      h('h2', {}, 'Machine clients'),
      secret,
      table('clients', ['Client', 'Status', 'Scopes', ''], rows),
      rows.length === 0 ? h('p', { class: 'muted' }, 'No machine clients yet.') : undefined,
    ),
    h('section', {}, h('h3', {}, 'New client'), create),
  );
}

/** The last 24 hours, from the audit table's hourly counts. */
async function showDashboard() {
  main.replaceChildren(...dashboard(await api<Activity>('GET', '/api/admin/activity')));
}

/** The page the address names: #/dashboard, #/users, #/users/<name>, #/clients. */
async function route() {
  if (!client.signedIn) return showSignIn();
  const [, page, name] = location.hash.split('/');
  try {
    if (page === 'dashboard') await showDashboard();
    else if (page === 'clients') await showClients();
    else if (page === 'users' && name) await showUser(decodeURIComponent(name));
    else await showUsers();
  } catch (err) {
    const e = err as AuthClientError;
    if (e.error === 'mfa_enrollment_required')
      say('Your account needs a second factor before it can administer: enrol one, then sign in again.', 'error');
    else say(`Could not load the page: ${e.message}`, 'error');
  }
}

$('sign-out').addEventListener('click', () => {
  void client.logout().then(() => {
    say('Signed out.');
    showSignIn();
  });
});
window.addEventListener('hashchange', () => void route());
// After a reload the page holds no token, but the browser may hold the session's cookie.
client.refresh().then(
  () => enter(),
  () => showSignIn(),
);
