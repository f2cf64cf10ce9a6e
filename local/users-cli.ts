/**
 * `npm run users -- <command>`: the admin CLI. It works on the local data directory by default
 * (through a running `npm start`, or its own DynamoDB Local), or on real AWS tables when given
 * their names and the usual AWS credentials. It uses the same stores as the handlers.
 */
import './quiet-sdk';
import { Writable } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConfigError, loadSettings } from '../functions/lib/wiring/config';
import {
  resetPassword,
  resetUserFactors,
  revokeUserSessions,
  setUserRoles,
  setUserStatus,
  userEvents,
  userFactors,
} from '../functions/lib/flows/admin';
import { createUser } from '../functions/lib/flows/users';
import {
  type ClientAdminDeps,
  deleteClient,
  listClients,
  registerClient,
  revokeClientSecret,
  rotateClientSecret,
  setClientAudiences,
  setClientScopes,
  setClientStatus,
  showClient,
} from '../functions/lib/flows/clients';
import type { ClientSummary } from '../functions/lib/domain/clients';
import { ClientsStore } from '../functions/lib/stores/clients-store';
import { createDocumentClient } from '../functions/lib/wiring/dynamo-client';
import { AuthError } from '../functions/lib/domain/errors';
import type { AuthLogger } from '../functions/lib/telemetry/events';
import { createPasswordHasher } from '../functions/lib/domain/passwords';
import { awsKeyStore } from '../functions/lib/stores/aws-key-store';
import { describeKeys, revokeKey, type KeyStore } from '../functions/lib/tokens/key-rotation';
import { parseSecrets, type AuthSecrets } from '../functions/lib/tokens/secrets';
import { usernameSkeleton } from '../functions/lib/domain/username-skeleton';
import { createAdminDeps } from '../functions/lib/wiring/core';
import {
  DataDirError,
  dataPaths,
  fileKeyStore,
  loadOrCreateDynamoDbCredentials,
  loadOrCreateSecrets,
  prepareDataDir,
  readRuntimeInfo,
} from './data-dir';
import {
  DYNAMODB_LOCAL_REGION,
  JavaMissingError,
  startDynamoDbLocal,
  type DynamoDbLocal,
  type DynamoDbLocalCredentials,
} from './dynamodb-local';
import { LOCAL_TABLES, ensureTables, type TableNames } from './dynamodb-tables';

const USAGE = `usage: npm run users -- <command> [options]

commands
  create <username> [--role <role>]...   the password is read from stdin, or asked for without echo
  list                                   every user, with roles and status
  disable <username> [--force]           refuse logins and refreshes, and end every session
  enable <username>
  set-roles <username> <role>... [--force]
                                         replace the roles (tokens already issued lose removed roles)
  revoke-sessions <username>             end every session and access token of the user
  reset-password <username>              end every session; print a temporary password, which the
                                         user must replace before it opens a session
  events <username>                      the user's audit trail, newest first
  factors <username>                     the user's second factors: TOTP, passkeys, recovery codes left
  reset-factors <username>               a lost device: remove every second factor and recovery code,
                                         and end every session (audited)
  keys                                   the signing keys: id, state (signing, published, retired), dates
  revoke-key <kid>                       emergency: remove a compromised key now (a fresh key signs if it
                                         was the signing one); every token it signed stops verifying
  backfill-usernames                     once, after upgrading: record the look-alike skeleton of
                                         every existing user, so new names are checked against them

machine clients (OAuth 2.0 client credentials: POST /oauth2/token)
  clients create <name> --scope <scope>... [--audience <uri>]... [--ttl <seconds>] [--auth-method client_secret_post]
                 [--auth-method private_key_jwt --jwks-file <public-keys.json>]
                                         prints the client id and its secret, once (default audience:
                                         the local service's; on AWS give --audience)
  clients list | show <id>
  clients rotate-secret <id>             a new secret, printed once; the old one works one more day
  clients revoke-secret <id> <secret-id> end one secret now
  clients disable <id> | enable <id> | delete <id>
  clients set-scopes <id> <scope>...     replace the scopes it may have
  clients set-audiences <id> <uri>...    replace the audiences it may have

options
  --verbose                also print the audit events, as structured log lines on stderr
  --force                  let the last active admin be disabled or lose the admin role
                           (break-glass only: then no one can administer over HTTP)
  --data-dir <dir>         the local data directory (default: AUTH_DATA_DIR or .data)
  --users-table <name>     work on these AWS tables instead, with the usual AWS credentials
  --sessions-table <name>  and AWS_REGION (or AUTH_USERS_TABLE, AUTH_SESSIONS_TABLE,
  --audit-table <name>     AUTH_AUDIT_TABLE: the stack outputs)
  --clients-table <name>   with those, the clients commands on AWS (or AUTH_CLIENTS_TABLE)
  --parameter-name <name>  with --secret-id, the key commands work on AWS (stack output
                           PublicJwksParameter)
  --secret-id <arn>        the deployed secret (its pepper hashes the password) for create on
                           AWS tables (or AUTH_SECRET_ID; the stack output SecretArn)
`;

class UsageError extends Error {}

interface Args {
  command: string;
  positional: string[];
  roles: string[];
  scopes: string[];
  audiences: string[];
  options: Record<string, string>;
  force: boolean;
  verbose: boolean;
}

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const roles: string[] = [];
  const scopes: string[] = [];
  const audiences: string[] = [];
  const options: Record<string, string> = {};
  let force = false;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    if (arg === '--force') {
      force = true;
      continue;
    }
    if (arg === '--verbose') {
      verbose = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new UsageError(`${arg} needs a value`);
    if (arg === '--role') roles.push(value);
    else if (arg === '--scope') scopes.push(value);
    else if (arg === '--audience') audiences.push(value);
    else if (
      [
        '--data-dir',
        '--users-table',
        '--sessions-table',
        '--audit-table',
        '--clients-table',
        '--secret-id',
        '--parameter-name',
        '--ttl',
        '--auth-method',
        '--jwks-file',
      ].includes(arg)
    )
      options[arg.slice(2)] = value;
    else throw new UsageError(`unknown option ${arg}`);
  }
  const [command, ...rest] = positional;
  if (!command) throw new UsageError('a command is required');
  return { command, positional: rest, roles, scopes, audiences, options, force, verbose };
}

/** Reads a password without echo from a terminal, or the whole of stdin from a pipe. Never from argv. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  const ask = async (prompt: string) => {
    process.stderr.write(prompt);
    muted = true;
    const answer = await rl.question('');
    muted = false;
    process.stderr.write('\n');
    return answer;
  };
  try {
    const first = await ask('Password: ');
    if ((await ask('Repeat password: ')) !== first) throw new UsageError('the passwords differ');
    return first;
  } finally {
    rl.close();
  }
}

/** Where the tables are, and how to reach them. */
interface Target {
  client: DynamoDBDocumentClient;
  tables: Pick<TableNames, 'usersTable' | 'sessionsTable' | 'auditTable'> & { clientsTable?: string | undefined };
  secrets: () => Promise<AuthSecrets>;
  /** The audience of the service's own API, when the CLI knows it (a local runtime that ran). */
  defaultAudience?: string | undefined;
  close: () => Promise<void>;
}

async function answers(endpoint: string, credentials: DynamoDbLocalCredentials): Promise<boolean> {
  const client = createDocumentClient({ endpoint, region: DYNAMODB_LOCAL_REGION, credentials });
  try {
    await client.send(new ListTablesCommand({}));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

async function connect(options: Record<string, string>): Promise<Target> {
  const usersTable = options['users-table'] ?? process.env.AUTH_USERS_TABLE;
  const sessionsTable = options['sessions-table'] ?? process.env.AUTH_SESSIONS_TABLE;
  const auditTable = options['audit-table'] ?? process.env.AUTH_AUDIT_TABLE;
  if (usersTable || sessionsTable || auditTable) {
    if (!usersTable || !sessionsTable || !auditTable) throw new UsageError('give --users-table, --sessions-table and --audit-table');
    const secretId = options['secret-id'] ?? process.env.AUTH_SECRET_ID;
    const client = createDocumentClient();
    return {
      client,
      tables: { usersTable, sessionsTable, auditTable, clientsTable: options['clients-table'] ?? process.env.AUTH_CLIENTS_TABLE },
      secrets: async () => {
        if (!secretId) throw new UsageError('create on AWS tables needs --secret-id (the pepper hashes the password)');
        const document = await awsKeyStore({ secretId, parameterName: '' }).readSecrets();
        if (document === undefined) throw new UsageError(`secret ${secretId} not found`);
        return parseSecrets(document);
      },
      close: async () => client.destroy(),
    };
  }

  const dataDir = options['data-dir'] ?? process.env.AUTH_DATA_DIR ?? '.data';
  const running = await readRuntimeInfo(dataDir);
  let own: DynamoDbLocal | undefined;
  let endpoint = running?.dynamodbEndpoint;
  await prepareDataDir(dataDir);
  const credentials = await loadOrCreateDynamoDbCredentials(dataDir);
  // A running `npm start` owns the database files; otherwise open them ourselves.
  if (!endpoint || !(await answers(endpoint, credentials))) {
    own = await startDynamoDbLocal({ dataDir: dataPaths(dataDir).dynamodb, credentials });
    endpoint = own.endpoint;
  }
  const client = createDocumentClient({ endpoint, region: DYNAMODB_LOCAL_REGION, credentials });
  await ensureTables(client, LOCAL_TABLES);
  return {
    client,
    tables: LOCAL_TABLES,
    secrets: async () => (await loadOrCreateSecrets(dataPaths(dataDir).secrets)).secrets,
    defaultAudience: running?.baseUrl && `${running.baseUrl}/api`,
    close: async () => {
      client.destroy();
      await own?.stop();
    },
  };
}

/** With --verbose, the audit events go to stderr as JSON lines, apart from the command's own output. */
const stderrLogger: AuthLogger = {
  info: (message: string, ...extra: unknown[]) =>
    void process.stderr.write(`${JSON.stringify({ level: 'INFO', message, ...(extra[0] as object) })}\n`),
  warn: (message: string, ...extra: unknown[]) =>
    void process.stderr.write(`${JSON.stringify({ level: 'WARN', message, ...(extra[0] as object) })}\n`),
  error: (message: string, ...extra: unknown[]) =>
    void process.stderr.write(`${JSON.stringify({ level: 'ERROR', message, ...(extra[0] as object) })}\n`),
} as AuthLogger;
/** Without it, the CLI prints only what the command says: the events are in the audit table either way. */
const quietLogger = { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as AuthLogger;

async function run(args: Args, target: Target): Promise<string> {
  const settings = loadSettings();
  const deps = createAdminDeps(target.client, target.tables, args.verbose ? stderrLogger : quietLogger, settings);
  const { users } = deps;
  // Hashing needs the pepper, so the secrets are read only by the commands that hash.
  const passwords = async () => createPasswordHasher({ peppers: (await target.secrets()).peppers, bcryptCost: settings.bcryptCost });
  const meta = { requestId: `cli-${process.pid}` };
  const username = () => {
    const name = args.positional[0];
    if (!name) throw new UsageError(`${args.command} needs a username`);
    return name;
  };

  switch (args.command) {
    case 'create': {
      const name = username();
      const hasher = await passwords();
      const user = await createUser(
        { username: name, password: await readPassword(), roles: args.roles.length ? args.roles : undefined },
        meta,
        { ...deps, passwords: hasher },
      );
      return `created ${user.username} (sub ${user.sub}) with roles ${user.roles.join(', ')}`;
    }
    case 'list': {
      const all = await users.listUsers();
      const rows = all.map(
        (u) =>
          `${u.username.padEnd(24)} ${u.status.padEnd(9)} ${u.roles.join(',').padEnd(20)} ${new Date(u.createdAt * 1000).toISOString()}`,
      );
      return [`${'USERNAME'.padEnd(24)} ${'STATUS'.padEnd(9)} ${'ROLES'.padEnd(20)} CREATED`, ...rows].join('\n');
    }
    case 'disable':
      return `disabled ${(await setUserStatus(username(), 'disabled', meta, deps, { force: args.force })).username}`;
    case 'enable':
      return `enabled ${(await setUserStatus(username(), 'active', meta, deps)).username}`;
    case 'set-roles': {
      const roles = args.positional.slice(1);
      if (roles.length === 0) throw new UsageError('set-roles needs at least one role');
      const user = await setUserRoles(username(), roles, meta, deps, { force: args.force });
      return `${user.username} now has roles ${user.roles.join(', ')}`;
    }
    case 'revoke-sessions':
      return `ended ${await revokeUserSessions(username(), meta, deps)} session(s)`;
    case 'reset-password': {
      const { temporaryPassword } = await resetPassword(username(), meta, { ...deps, passwords: await passwords() });
      return `temporary password (shown once; it opens no session until the user replaces it at POST /api/auth/password/temporary): ${temporaryPassword}`;
    }
    case 'backfill-usernames': {
      const { added, lookAlikes } = await users.backfillSkeletons(usernameSkeleton);
      const note = lookAlikes.length ? `; look-alikes of another user (kept as they are): ${lookAlikes.join(', ')}` : '';
      return `recorded ${added} username skeleton(s)${note}`;
    }
    case 'events': {
      const page = await userEvents(username(), 50, undefined, deps);
      return (
        page.events
          .map(
            (e) =>
              `${new Date(e.at * 1000).toISOString()}  ${e.event.padEnd(24)} ${e.outcome.padEnd(8)} ${e.sourceIp ?? '-'}  ${e.reason ?? ''}`,
          )
          .join('\n') || '(no events)'
      );
    }
    case 'factors': {
      const f = await userFactors(username(), deps);
      const when = (t: number) => new Date(t * 1000).toISOString();
      return [
        `totp            ${f.totp.enabled ? `on since ${when(f.totp.confirmed_at as number)}` : 'off'}`,
        ...f.passkeys.map(
          (p) => `passkey         ${p.name} (${p.synced ? 'synced' : 'device-bound'}) since ${when(p.created_at)}  ${p.id}`,
        ),
        `recovery codes  ${f.recovery_codes_remaining} left`,
      ].join('\n');
    }
    case 'reset-factors':
      return `removed every second factor; ended ${(await resetUserFactors(username(), meta, deps)).ended} session(s)`;
    case 'clients':
      return runClientCommand(args, target, { ...deps, clients: clientsStore(target) }, meta);
    default:
      throw new UsageError(`unknown command ${args.command}`);
  }
}

function clientsStore(target: Target): ClientsStore {
  if (!target.tables.clientsTable) throw new UsageError('the clients commands on AWS need --clients-table (the stack output ClientsTable)');
  return new ClientsStore({ client: target.client, tableName: target.tables.clientsTable });
}

/** `clients <verb> ...`: machine clients. A secret is printed once, and never again. */
async function runClientCommand(args: Args, target: Target, deps: ClientAdminDeps, meta: { requestId: string }): Promise<string> {
  const [verb, id, ...rest] = args.positional;
  const clientId = () => {
    if (!id) throw new UsageError(`clients ${verb} needs a client id`);
    return id;
  };
  const describe = (c: ClientSummary) =>
    [
      `client_id      ${c.clientId}`,
      `name           ${c.name}`,
      `status         ${c.status}`,
      `scopes         ${c.scopes.join(' ') || '(none)'}`,
      `audiences      ${c.audiences.join(' ')}`,
      `token lifetime ${c.accessTokenTtlSeconds} s`,
      `auth method    ${c.authMethod}`,
      ...c.secrets.map((s) => `secret         ${s.id}  created ${iso(s.createdAt)}${s.expiresAt ? `  expires ${iso(s.expiresAt)}` : ''}`),
    ].join('\n');
  const withSecret = (c: ClientSummary, secret: string) => `${describe(c)}\nclient_secret  ${secret}\n(shown once: only its hash is kept)`;
  switch (verb) {
    case 'create': {
      if (!id) throw new UsageError('clients create needs a name');
      const audiences = args.audiences.length ? args.audiences : target.defaultAudience ? [target.defaultAudience] : [];
      if (audiences.length === 0) throw new UsageError('give --audience (the API the tokens are for: the stack output Audience)');
      const ttl = args.options.ttl === undefined ? undefined : Number(args.options.ttl);
      const jwksFile = args.options['jwks-file'];
      const jwks = jwksFile === undefined ? undefined : (JSON.parse(await readFile(jwksFile, 'utf8')) as unknown);
      const { client, clientSecret } = await registerClient(
        { name: id, scopes: args.scopes, audiences, accessTokenTtlSeconds: ttl, authMethod: args.options['auth-method'] as never, jwks },
        meta,
        deps,
      );
      return clientSecret === undefined ? describe(client) : withSecret(client, clientSecret);
    }
    case 'list': {
      const rows = (await listClients(deps)).map(
        (c) => `${c.clientId.padEnd(24)} ${c.status.padEnd(9)} ${c.name.padEnd(24)} ${c.scopes.join(' ')}`,
      );
      return [`${'CLIENT_ID'.padEnd(24)} ${'STATUS'.padEnd(9)} ${'NAME'.padEnd(24)} SCOPES`, ...rows].join('\n');
    }
    case 'show':
      return describe(await showClient(clientId(), deps));
    case 'rotate-secret': {
      const { client, clientSecret } = await rotateClientSecret(clientId(), meta, deps);
      return withSecret(client, clientSecret);
    }
    case 'revoke-secret': {
      const secretId = rest[0];
      if (!secretId) throw new UsageError('clients revoke-secret needs a client id and a secret id (see clients show)');
      return describe(await revokeClientSecret(clientId(), secretId, meta, deps));
    }
    case 'disable':
    case 'enable':
      return describe(await setClientStatus(clientId(), verb === 'enable' ? 'active' : 'disabled', meta, deps));
    case 'delete':
      await deleteClient(clientId(), meta, deps);
      return `deleted ${clientId()}`;
    case 'set-scopes':
      return describe(await setClientScopes(clientId(), rest, meta, deps));
    case 'set-audiences':
      if (rest.length === 0) throw new UsageError('clients set-audiences needs at least one audience');
      return describe(await setClientAudiences(clientId(), rest, meta, deps));
    default:
      throw new UsageError(`unknown clients command ${String(verb)}`);
  }
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

const KEY_COMMANDS = new Set(['keys', 'revoke-key']);

/**
 * The signing keys, locally (the data directory's secrets file) or on AWS (`--secret-id` and
 * `--parameter-name`, the stack outputs SecretArn and PublicJwksParameter).
 */
async function runKeyCommand(args: Args): Promise<string> {
  const secretId = args.options['secret-id'] ?? process.env.AUTH_SECRET_ID;
  const parameterName = args.options['parameter-name'] ?? process.env.AUTH_PUBLIC_JWKS_PARAMETER;
  let store: KeyStore;
  if (secretId || parameterName) {
    if (!secretId || !parameterName) throw new UsageError('give both --secret-id and --parameter-name');
    store = awsKeyStore({ secretId, parameterName });
  } else {
    const dataDir = args.options['data-dir'] ?? process.env.AUTH_DATA_DIR ?? '.data';
    store = fileKeyStore(dataPaths(dataDir).secrets);
  }
  if (args.command === 'keys') {
    const document = await store.readSecrets();
    if (document === undefined) throw new UsageError('no secrets yet: start the service (or deploy the stack) first');
    const date = (s?: number) => (s === undefined ? '-' : new Date(s * 1000).toISOString());
    const rows = describeKeys(document).map(
      (k) => `${k.kid.padEnd(38)} ${k.state.padEnd(10)} ${date(k.createdAt).padEnd(25)} ${date(k.retiredAt)}`,
    );
    return [`${'KID'.padEnd(38)} ${'STATE'.padEnd(10)} ${'CREATED'.padEnd(25)} RETIRED`, ...rows].join('\n');
  }
  const kid = args.positional[0];
  if (!kid) throw new UsageError('revoke-key needs a key id (see the keys command)');
  const outcome = await revokeKey(store, kid, Math.floor(Date.now() / 1000)).catch((err: unknown) => {
    throw new UsageError((err as Error).message);
  });
  return `revoked ${outcome.revoked}; ${outcome.signingKid} signs now. Tokens it signed fail once verifiers refetch keys (within the key cache TTL).`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv.includes('--help') || argv[0] === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const args = parseArgs(argv);
  if (KEY_COMMANDS.has(args.command)) {
    process.stdout.write(`${await runKeyCommand(args)}\n`);
    return;
  }
  const target = await connect(args.options);
  try {
    process.stdout.write(`${await run(args, target)}\n`);
  } finally {
    await target.close();
  }
}

main().catch((err: unknown) => {
  const known = [UsageError, AuthError, DataDirError, JavaMissingError, ConfigError].some((E) => err instanceof E);
  process.stderr.write(`error: ${known ? (err as Error).message : `failed: ${String((err as Error)?.message ?? err)}`}\n`);
  if (err instanceof UsageError) process.stderr.write(`\n${USAGE}`);
  process.exit(1);
});
