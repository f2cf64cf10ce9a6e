import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { Construct } from 'constructs';
import type { HandlerName } from '../../functions/lib/contract/routes';
import { SETTINGS, settingToEnv } from '../../functions/lib/contract/settings';
import { DEFAULTS, ENV } from '../../functions/lib/wiring/config';
import { BROWSER_BUNDLE_SETTINGS, nodejsBundling } from '../bundling';
import type { AuthService } from './auth-service';
import type { ResolvedProps } from './props';
import type { RouteList } from './route-list';
import type { MailOutbox } from './mail';
import type { Tables } from './tables';

/**
 * The package's root: the repository, or `node_modules/aws-auth-service` in a team's project
 * (this file runs from `infra/` in one and from the compiled `dist/infra/` in the other). The
 * functions are bundled from their TypeScript sources there, which the package ships.
 */
const ROOT = packageRoot(__dirname);

function packageRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'functions', 'authorizer.ts'))) return dir;
  }
  throw new Error(`cannot find the aws-auth-service package above ${from}`);
}

const LOCK_FILE = lockFile();

/**
 * The lock file the bundling is keyed to: the package's own in this repository; in a team's
 * project, where npm does not install ours, theirs (the nearest above `node_modules`).
 */
function lockFile(): string | undefined {
  for (let dir = ROOT; dir !== dirname(dir); dir = dirname(dir)) {
    const found = ['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb'].map((f) => join(dir, f)).find((f) => existsSync(f));
    if (found) return found;
  }
  return undefined;
}

/**
 * Every function of the service: the route handlers, the authorizer, and the key lifecycle. Not
 * yet `recovery`: mail has no outbox on AWS, and its routes are not served there.
 */
export type AuthFunctionName = Exclude<HandlerName, 'recovery' | 'console'> | 'authorizer' | 'key-setup' | 'rotate-keys';

/** The functions that exist only with mail (the `email` prop): the recovery routes, and the sender. */
export type MailFunctionName = 'recovery' | 'mail-sender';

/**
 * After the console function's code is bundled, its files go beside it (`functions/console.ts`
 * reads them there): the page and the style sheet as they are, and the script bundled for the
 * browser with the client, as `npm start` bundles it.
 */
const CONSOLE_HOOKS: NonNullable<BundlingOptions['commandHooks']> = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (_input, output) => {
    const source = join(ROOT, 'console');
    const s = BROWSER_BUNDLE_SETTINGS;
    return [
      `cp "${join(source, 'index.html')}" "${join(output, 'console.html')}"`,
      `cp "${join(source, 'console.css')}" "${join(output, 'console.css')}"`,
      `npx --no-install esbuild "${join(source, 'console.ts')}" --bundle --format=${s.format} --target=${s.target} --minify --log-level=warning --outfile="${join(output, 'console.js')}"`,
    ];
  },
};

/** What the functions' environment names: tables, token settings, keys, the authorizer's routes. */
interface FunctionContext {
  readonly tables: Tables;
  readonly secretArn: string;
  readonly parameterName: string;
  readonly issuer: string;
  readonly audience: string;
  /** The protected routes of this service's API. */
  readonly routes: RouteList;
  /** Where the functions put mail, with the `email` prop. */
  readonly mail?: MailOutbox;
}

/**
 * Builds an authorizer function in `scope` (this stack or another), for the API whose routes
 * `routes` lists, taking tokens for `audience` (default: the service's).
 */
export type AuthorizerFactory = (scope: Construct, routes: RouteList, audience?: string) => NodejsFunction;

/**
 * The Parameters and Secrets extension layer: the prop's ARN, or aws-cdk-lib's for the region.
 * Where there is none (eu-central-2, il-central-1, ..., or a stack whose region is known only at
 * deploy time, where a region lookup could miss), undefined: the functions then read the secret
 * and the parameters with the SDK.
 */
function secretsExtension(scope: AuthService, layerArn: string | undefined): lambda.ParamsAndSecretsLayerVersion | undefined {
  const options = { cacheSize: 10, secretsManagerTtl: Duration.minutes(5), parameterStoreTtl: Duration.minutes(5) };
  const { region } = Stack.of(scope);
  if (layerArn) {
    const arn = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:layer:[\w-]+:\d+$/.exec(layerArn);
    if (!arn || (!Token.isUnresolved(region) && arn[1] !== region))
      throw new Error(`AuthService: paramsAndSecretsLayerArn must be a layer version ARN in the stack's region, not ${layerArn}`);
    return lambda.ParamsAndSecretsLayerVersion.fromVersionArn(layerArn, options);
  }
  if (Token.isUnresolved(region) || !RegionInfo.get(region).paramsAndSecretsLambdaLayerArn('1.0.103', 'arm64')) return undefined;
  return lambda.ParamsAndSecretsLayerVersion.fromVersion(lambda.ParamsAndSecretsVersions.V1_0_103, options);
}

/** Creates every function, each with its own log group and role, from one spec per function. */
export function addFunctions(
  scope: AuthService,
  p: ResolvedProps,
  c: FunctionContext,
): {
  functions: Record<AuthFunctionName, NodejsFunction>;
  mailFunctions: Record<MailFunctionName, NodejsFunction> | undefined;
  consoleFunction: NodejsFunction | undefined;
  newAuthorizer: AuthorizerFactory;
  secretsVia: 'extension' | 'sdk';
} {
  const common: Record<string, string> = {
    [ENV.usersTable]: c.tables.users.tableName,
    [ENV.sessionsTable]: c.tables.sessions.tableName,
    [ENV.attemptsTable]: c.tables.attempts.tableName,
    [ENV.auditTable]: c.tables.audit.tableName,
    [ENV.clientsTable]: c.tables.clients.tableName,
    [ENV.issuer]: c.issuer,
    [ENV.audience]: c.audience,
    [ENV.accessTokenTtlSeconds]: String(p.accessTokenTtl.toSeconds()),
    [ENV.sessionTtlSeconds]: String(p.sessionTtl.toSeconds()),
    [ENV.bcryptCost]: String(p.bcryptCost),
    [ENV.selfRegistration]: String(p.selfRegistration),
    [ENV.keyRotationDays]: String(p.keyRotationInterval.toDays()),
    [ENV.revocationCheck]: String(p.revocationCheck),
    [ENV.auditRetentionDays]: String(p.auditRetention.toDays()),
    [ENV.tokenDelivery]: p.tokenDelivery,
    [ENV.allowedOrigins]: p.allowedOrigins.join(','),
    ...Object.fromEntries(
      Object.entries(p.settings).map(([key, value]) => {
        const spec = SETTINGS[key as keyof typeof SETTINGS];
        return [spec.env, settingToEnv(spec, value)];
      }),
    ),
    NODE_OPTIONS: '--enable-source-maps',
  };
  const privateEnv = { ...common, [ENV.secretId]: c.secretArn };
  const publicEnv = { ...common, [ENV.publicJwksParameter]: c.parameterName };
  // The AWS Parameters and Secrets Lambda Extension serves the secret and the parameter over
  // localhost, so no SDK client sits in these bundles; without its layer, the SDK reads them.
  const extension = secretsExtension(scope, p.paramsAndSecretsLayerArn);
  const secretsVia = extension ? 'extension' : 'sdk';

  // With the check off, the verify-only bundles are built without it, and so without the SDK.
  const verifyDefine: Record<string, string> = p.revocationCheck ? {} : { 'process.env.AUTH_REVOCATION_CHECK': '"false"' };
  const fn = (
    name: AuthFunctionName | MailFunctionName | 'console',
    options: {
      memorySize: number;
      timeout: Duration;
      environment: Record<string, string>;
      extension?: boolean;
      define?: Record<string, string>;
      commandHooks?: BundlingOptions['commandHooks'];
    },
    where: Construct = scope,
  ) =>
    newFunction(where, name, {
      ...options,
      // X-Ray tracing, when on, is a build-time switch too (Powertools Tracer is bundled only then).
      define: {
        ...(p.tracing && { 'process.env.AUTH_TRACING': '"true"' }),
        ...(options.extension && { 'process.env.AUTH_SECRETS_VIA': JSON.stringify(secretsVia) }),
        ...options.define,
      },
      tracing: p.tracing,
      logRetention: p.logRetention,
      ...(options.extension && extension && { paramsAndSecrets: extension }),
    });
  // The authorizer of this API, or of another stack's: the same code over its own route list.
  const newAuthorizer: AuthorizerFactory = (where, routes, audience) =>
    fn(
      'authorizer',
      {
        timeout: Duration.seconds(5),
        memorySize: 512,
        environment: { ...publicEnv, ...routes.environment(), ...(audience !== undefined && { [ENV.audience]: audience }) },
        extension: true,
        define: verifyDefine,
      },
      where,
    );
  const api = { timeout: Duration.seconds(10) };
  // The functions that mail (a notice, a link) put it on the outbox: built with the SQS outbox in.
  const mailing = c.mail
    ? {
        environment: {
          ...privateEnv,
          [ENV.mailQueueUrl]: c.mail.queue.queueUrl,
          [ENV.mailFrom]: c.mail.from,
          [ENV.appUrl]: c.mail.appUrl,
        },
        define: { 'process.env.AUTH_MAIL_VIA': '"sqs"' },
      }
    : { environment: privateEnv };
  const functions = {
    login: fn('login', { ...api, memorySize: p.passwordFunctionMemorySize, ...mailing, extension: true }),
    register: fn('register', { ...api, memorySize: p.passwordFunctionMemorySize, ...mailing, extension: true }),
    refresh: fn('refresh', { ...api, memorySize: 512, environment: privateEnv, extension: true }),
    logout: fn('logout', { ...api, memorySize: 512, environment: privateEnv, extension: true }),
    validate: fn('validate', { ...api, memorySize: 512, environment: publicEnv, extension: true, define: verifyDefine }),
    // The JWKS endpoint checks no token: built without the revocation check (and its SDK).
    jwks: fn('jwks', {
      ...api,
      memorySize: 256,
      environment: publicEnv,
      extension: true,
      define: { 'process.env.AUTH_REVOCATION_CHECK': '"false"' },
    }),
    me: fn('me', { ...api, memorySize: 256, environment: {} }),
    authorizer: newAuthorizer(scope, c.routes),
    sessions: fn('sessions', { ...api, memorySize: 512, environment: privateEnv, extension: true }),
    password: fn('password', { ...api, memorySize: p.passwordFunctionMemorySize, ...mailing, extension: true }),
    admin: fn('admin', { ...api, memorySize: p.passwordFunctionMemorySize, environment: privateEnv, extension: true }),
    // Machine tokens: a SHA-256 and a signature, no bcrypt.
    token: fn('token', { ...api, memorySize: 512, environment: privateEnv, extension: true }),
    // Second factors: HMAC-SHA-1 codes, AES-GCM seals and signatures, no bcrypt.
    mfa: fn('mfa', {
      ...api,
      memorySize: 512,
      ...mailing,
      environment: {
        ...mailing.environment,
        ...(p.webAuthn && { [ENV.webauthnRpId]: p.webAuthn.rpId, [ENV.webauthnOrigins]: p.webAuthn.origins.join(',') }),
      },
      extension: true,
    }),
    'key-setup': fn('key-setup', { timeout: Duration.minutes(1), memorySize: 512, environment: {} }),
    'rotate-keys': fn('rotate-keys', {
      timeout: Duration.minutes(1),
      memorySize: 512,
      environment: {
        ...common,
        [ENV.secretId]: c.secretArn,
        [ENV.publicJwksParameter]: c.parameterName,
        // A new key is published this long before it signs: longer than a verifier can hold an
        // old set (extension cache + our cache + JWKS max-age + authorizer cache), with margin.
        [ENV.keyPublishLeadSeconds]: String(Math.max(DEFAULTS.keyPublishLeadSeconds, 1500 + p.authorizerCacheTtl.toSeconds())),
      },
    }),
  };
  const mailFunctions = c.mail && {
    recovery: fn('recovery', { ...api, memorySize: p.passwordFunctionMemorySize, ...mailing, extension: true }),
    // No secrets and no tables: it reads the queue and calls SES.
    'mail-sender': fn('mail-sender', {
      timeout: Duration.seconds(30),
      memorySize: 256,
      environment: { [ENV.mailFrom]: c.mail.from, [ENV.sesConfigurationSet]: c.mail.configurationSet.configurationSetName },
    }),
  };
  // The admin console's files: no table, no secret, only the issuer (whose path its URLs take).
  const consoleFunction = p.adminConsole
    ? fn('console', { ...api, memorySize: 256, environment: { [ENV.issuer]: c.issuer }, commandHooks: CONSOLE_HOOKS })
    : undefined;
  return { functions, mailFunctions, consoleFunction, newAuthorizer, secretsVia };
}

/** One function: its own log group, and a role that may write only there (no managed policy). */
function newFunction(
  scope: Construct,
  name: AuthFunctionName | MailFunctionName | 'console',
  o: {
    memorySize: number;
    timeout: Duration;
    environment: Record<string, string>;
    logRetention: logs.RetentionDays;
    paramsAndSecrets?: lambda.ParamsAndSecretsLayerVersion;
    define?: Record<string, string>;
    commandHooks?: BundlingOptions['commandHooks'];
    tracing: boolean;
  },
): NodejsFunction {
  const id = name.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: o.logRetention, removalPolicy: RemovalPolicy.DESTROY });
  const role = new iam.Role(scope, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${Stack.of(scope).getLogicalId(logGroup.node.defaultChild as logs.CfnLogGroup)}.Arn>]`,
    reason: 'the ARN of one log group ends in :* so that the function can write the log streams Lambda creates in it',
  });
  const f = new NodejsFunction(scope, `${id}Function`, {
    entry: join(ROOT, 'functions', `${name}.ts`),
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: o.memorySize,
    timeout: o.timeout,
    environment: o.environment,
    role,
    logGroup,
    bundling: nodejsBundling(o.define, o.commandHooks),
    tracing: o.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
    // The project the lock file belongs to: this repository, or the team's that installed us.
    projectRoot: LOCK_FILE ? dirname(LOCK_FILE) : ROOT,
    depsLockFilePath: LOCK_FILE,
    ...(o.paramsAndSecrets && { paramsAndSecrets: o.paramsAndSecrets }),
  });
  Validations.of(f).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'Node.js 22 is the runtime this service supports and tests; newer runtimes follow once tested',
  });
  return f;
}
