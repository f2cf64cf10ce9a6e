/**
 * `npm start`: the whole service on this machine. DynamoDB Local (the official engine) holds the
 * data, the real handlers serve the routes, and a small gateway plays API Gateway in front.
 *
 *   npm start [-- --in-memory] [-- --no-register]
 */
import { INBOX_PATH, type LocalMail, startLocalMail } from './mail-server';
import './quiet-sdk';
import { createServer, type RequestListener, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, ENV, loadConfig } from '../functions/lib/wiring/config';
import { createDocumentClient } from '../functions/lib/wiring/dynamo-client';
import type { HttpHandler } from '../functions/lib/http/handler';
import { ROUTES, withAdminStepUp, type HandlerName } from '../functions/lib/contract/routes';
import { encodeRouteList } from '../functions/lib/contract/route-list';
import { generateSecrets, serializeSecrets } from '../functions/lib/tokens/secrets';
import { usernameSkeleton } from '../functions/lib/domain/username-skeleton';
import { UsersStore } from '../functions/lib/stores/users-store';
import {
  DataDirError,
  dataPaths,
  loadOrCreateDynamoDbCredentials,
  loadOrCreateSecrets,
  prepareDataDir,
  removeRuntimeInfo,
  writeRuntimeInfo,
} from './data-dir';
import { DYNAMODB_LOCAL_REGION, JavaMissingError, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { answerClientError, createGateway } from './gateway';
import { banner } from './banner';
import { LocalSettingError, loadLocalSettings } from './settings';
import { demoPage } from './demo-page';
import { apiDocsPages } from './api-docs';
import { consoleFiles } from './admin-console';
import { LOCAL_TABLES, ensureTables } from './dynamodb-tables';

const HOST = '127.0.0.1';

class StartError extends Error {}

function parseArgs(argv: string[]) {
  const known = new Set(['--in-memory', '--no-register', '--help']);
  for (const arg of argv) if (!known.has(arg)) throw new StartError(`unknown option ${arg} (options: --in-memory, --no-register)`);
  return { inMemory: argv.includes('--in-memory'), register: !argv.includes('--no-register'), help: argv.includes('--help') };
}

/** Binds the port before anything slow starts, so a busy port fails at once. */
function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new StartError(`port ${port} is already in use: stop what runs there or set PORT to another port`)
          : err,
      ),
    );
    server.listen(port, HOST, () => resolvePromise());
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(
      'usage: npm start [-- --in-memory] [-- --no-register]\nenvironment: PORT, AUTH_DATA_DIR, AUTH_AUTHORIZER_CACHE_TTL_SECONDS, AUTH_*\n',
    );
    return;
  }
  const local = loadLocalSettings();
  const { port, authorizerCacheTtlSeconds: cacheTtl } = local;
  const dataDir = resolve(local.dataDir);
  const baseUrl = `http://${HOST}:${port}`;
  const started = Date.now();

  let listener: RequestListener = (_req, res) => {
    res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '1' });
    res.end(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'starting' }));
  };
  // Idle keep-alive connections live 65 s, as behind AWS's load balancers: a client that reuses
  // one after a pause (a tool or test that blocked its event loop for a few seconds) must not
  // race the server closing it at Node's default 5 s ("other side closed").
  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000 }, (req, res) => listener(req, res));
  server.on('clientError', answerClientError);
  await listen(server, port);

  let ddb: DynamoDbLocal | undefined;
  let mail: LocalMail | undefined;
  let scratch: string | undefined;
  const stop = async () => {
    server.closeAllConnections();
    server.close();
    await Promise.all([ddb?.stop(), mail?.stop()]);
    if (scratch) await rm(scratch, { recursive: true, force: true });
    else await removeRuntimeInfo(dataDir);
  };
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // A second signal is usually the same one relayed (tsx, npm, a terminal's process group);
      // stopping is bounded anyway.
      if (stopping) return;
      stopping = true;
      process.stdout.write(`\n${signal}: stopping\n`);
      void stop().then(() => process.exit(0));
    });
  }

  try {
    let secretsFile: string;
    if (args.inMemory) {
      scratch = await mkdtemp(join(tmpdir(), 'auth-local-'));
      secretsFile = join(scratch, 'secrets.json');
      await writeFile(secretsFile, serializeSecrets(await generateSecrets()), { mode: 0o600 });
    } else {
      await prepareDataDir(dataDir);
      secretsFile = dataPaths(dataDir).secrets;
      await loadOrCreateSecrets(secretsFile);
    }

    if (local.dynamodb !== 'start' && args.inMemory) throw new StartError('AUTH_LOCAL_DYNAMODB needs a data directory: drop --in-memory');
    // DynamoDB Local, started here, or one the caller runs (the soak, which kills and restarts it).
    if (local.dynamodb === 'start') {
      ddb = await startDynamoDbLocal(
        args.inMemory ? {} : { dataDir: dataPaths(dataDir).dynamodb, credentials: await loadOrCreateDynamoDbCredentials(dataDir) },
      );
    }
    const db = ddb ?? { endpoint: local.dynamodb, credentials: await loadOrCreateDynamoDbCredentials(dataDir) };
    const client = createDocumentClient({ endpoint: db.endpoint, region: DYNAMODB_LOCAL_REGION, credentials: db.credentials });
    await ensureTables(client, LOCAL_TABLES);
    // Users from before look-alike checks get their skeleton items, so new names are checked against them.
    if (!args.inMemory) await new UsersStore({ client, tableName: LOCAL_TABLES.usersTable }).backfillSkeletons(usernameSkeleton);
    if (!args.inMemory) await writeRuntimeInfo(dataDir, { pid: process.pid, dynamodbEndpoint: db.endpoint, baseUrl });

    const localhostUrl = baseUrl.replace('127.0.0.1', 'localhost');
    // A real SMTP server and inbox: the service's mail goes there, as it would to SES on AWS.
    mail = await startLocalMail();
    // The handlers build their dependencies from the environment, exactly as in Lambda.
    const defaults: Record<string, string> = {
      [ENV.usersTable]: LOCAL_TABLES.usersTable,
      [ENV.sessionsTable]: LOCAL_TABLES.sessionsTable,
      [ENV.attemptsTable]: LOCAL_TABLES.attemptsTable,
      [ENV.auditTable]: LOCAL_TABLES.auditTable,
      [ENV.clientsTable]: LOCAL_TABLES.clientsTable,
      [ENV.issuer]: baseUrl,
      [ENV.audience]: `${baseUrl}/api`,
      [ENV.secretsFile]: secretsFile,
      [ENV.dynamodbEndpoint]: db.endpoint,
      [ENV.selfRegistration]: String(args.register),
      // Both: curl gets the refresh token in the body, the demo page uses the HttpOnly cookie.
      [ENV.tokenDelivery]: 'both',
      // Passkeys on the demo page: browsers refuse an IP address as the relying party id, and
      // treat http://localhost as a secure context. Open the page at http://localhost:PORT.
      [ENV.webauthnRpId]: 'localhost',
      [ENV.webauthnOrigins]: localhostUrl,
      // The demo page at http://localhost:PORT is this service too: its cookie-mode requests pass.
      [ENV.allowedOrigins]: localhostUrl,
      [ENV.smtpUrl]: mail.smtpUrl,
      // The links in mails open the demo page, which takes their tokens.
      [ENV.appUrl]: localhostUrl,
    };
    for (const [name, value] of Object.entries(defaults))
      if (name === ENV.selfRegistration || !process.env[name]) process.env[name] = value;
    // The functions' DynamoDB credentials, from the environment as Lambda gives them: the only
    // key that reaches this runtime's database.
    process.env.AWS_ACCESS_KEY_ID = db.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = db.credentials.secretAccessKey;
    process.env.AWS_REGION = DYNAMODB_LOCAL_REGION;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    // The authorizer's protected routes, encoded as the construct writes them to SSM on AWS.
    process.env[ENV.routes] = encodeRouteList(
      withAdminStepUp(
        ROUTES.filter((r) => r.access !== 'public'),
        loadConfig(),
      ),
    );
    loadConfig();

    // Loaded only now, after the environment is set: each module builds its deps at load.
    const handlers = {} as Record<HandlerName, HttpHandler>;
    for (const name of new Set(ROUTES.map((r) => r.handler))) {
      handlers[name] = (require(`../functions/${name}`) as { handler: HttpHandler }).handler;
    }
    // The console's function over its files built from source (on AWS they sit beside its bundle).
    const { createHandler: createConsole } = require('../functions/console') as typeof import('../functions/console');
    const { consoleDeps } = require('../functions/lib/wiring/console') as typeof import('../functions/lib/wiring/console');
    handlers.console = createConsole(consoleDeps(consoleFiles()));
    const { handler: authorizer } = require('../functions/authorizer') as typeof import('../functions/authorizer');
    const demo = demoPage();
    listener = createGateway({
      routes: ROUTES,
      handlers,
      authorizer,
      authorizerCacheTtlSeconds: cacheTtl,
      trustedProxyHops: local.trustedProxyHops,
      // The links in mails open the demo page, which takes their tokens from the fragment.
      pages: {
        ...Object.fromEntries(
          ['/', '/verify-email', '/reset-password'].map((path) => [path, { contentType: 'text/html; charset=utf-8', body: demo }]),
        ),
        ...apiDocsPages(),
      },
      live: mail.pages,
      allowedOrigins: loadConfig().allowedOrigins,
    });

    process.stdout.write(
      banner({
        baseUrl,
        dataDir: args.inMemory ? undefined : dataDir,
        register: args.register,
        cacheTtl,
        inboxUrl: `${baseUrl}${INBOX_PATH}`,
        startupMs: Date.now() - started,
      }),
    );
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

main().catch((err: unknown) => {
  const known =
    err instanceof StartError ||
    err instanceof LocalSettingError ||
    err instanceof DataDirError ||
    err instanceof JavaMissingError ||
    err instanceof ConfigError;
  process.stderr.write(`error: ${known ? (err as Error).message : `could not start: ${String((err as Error)?.message ?? err)}`}\n`);
  process.exit(1);
});
