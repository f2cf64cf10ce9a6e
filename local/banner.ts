import { ROUTES, type Route } from '../functions/lib/contract/routes';

const who = (route: Route) =>
  route.access === 'public'
    ? 'public'
    : route.access.roles === undefined
      ? `scope ${route.access.scopes?.join(' or ')}`
      : route.access.roles.length === 0
        ? 'signed in'
        : `role ${route.access.roles.join(' or ')}`;

/** What `npm start` prints once it is ready; its last line holds the base URL, for scripts to wait on. */
export function banner(o: {
  baseUrl: string;
  dataDir: string | undefined;
  register: boolean;
  cacheTtl: number;
  inboxUrl: string;
  startupMs: number;
}): string {
  const b = o.baseUrl;
  const json = `-H 'Content-Type: application/json'`;
  const creds = `'{"username":"alice","password":"correct horse battery staple"}'`;
  const shown = ROUTES.filter(
    (r) => (o.register || r.enabledBy !== 'selfRegistration') && r.handler !== 'admin' && r.handler !== 'console',
  );
  const width = Math.max(...shown.map((r) => r.path.length)) + 2;
  const admin = ROUTES.filter((r) => r.handler === 'admin');
  const routes = [
    ...shown.map((r) => `  ${r.method.padEnd(6)} ${r.path.padEnd(width)} ${who(r)}`),
    `  ${'...'.padEnd(6)} ${'/api/admin/users/...'.padEnd(width)} role admin (${admin.length} admin routes: see /openapi.json)`,
  ].join('\n');
  return `
aws-auth-service, running locally
  data        ${o.dataDir ?? 'in memory (nothing is kept)'}
  register    ${o.register ? 'on: anyone can sign up (start with --no-register to turn it off)' : 'off'}
  authorizer  results cached ${o.cacheTtl} s per Authorization header, as API Gateway does

Routes
${routes}

Demo page   ${b}/  (the refresh token in an HttpOnly cookie; curl gets it in the body too)
            ${b.replace('127.0.0.1', 'localhost')}/  for passkeys (browsers refuse an IP address as a passkey's site)
OpenAPI     ${b}/openapi.json, and to click through: ${b}/docs
Admin       ${b}/admin  (the console: an admin account with a second factor)
Inbox       ${o.inboxUrl}  (every mail the service sends; JSON at ${o.inboxUrl}api/messages)

Try it
${o.register ? `  curl -s ${b}/api/auth/register ${json} -d ${creds}\n` : ''}  TOKENS=$(curl -s ${b}/api/auth/login ${json} -d ${creds})
  ACCESS=$(echo "$TOKENS" | node -pe 'JSON.parse(fs.readFileSync(0)).access_token')
  curl -s ${b}/api/me -H "Authorization: Bearer $ACCESS"

Ready in ${(o.startupMs / 1000).toFixed(1)} s: ${b}
`;
}
