import { parseSetting, SETTINGS, type SettingSpec, type Settings } from '../contract/settings';

export { DEFAULTS, type Settings } from '../contract/settings';

/**
 * The one place that reads the service's environment. `ENV` names every variable: the
 * deployment's (tables, issuer, secrets) here, and every tunable's from the settings table, so
 * `infra/` and `local/` import the names and cannot drift from them.
 */
export const ENV = {
  usersTable: 'AUTH_USERS_TABLE',
  sessionsTable: 'AUTH_SESSIONS_TABLE',
  attemptsTable: 'AUTH_ATTEMPTS_TABLE',
  auditTable: 'AUTH_AUDIT_TABLE',
  clientsTable: 'AUTH_CLIENTS_TABLE',
  issuer: 'AUTH_ISSUER',
  audience: 'AUTH_AUDIENCE',
  secretsFile: 'AUTH_SECRETS_FILE',
  secretId: 'AUTH_SECRET_ID',
  publicJwksParameter: 'AUTH_PUBLIC_JWKS_PARAMETER',
  routesParameter: 'AUTH_ROUTES_PARAMETER',
  /** The route list itself, encoded as in that parameter: the local runtime's way to hand it over. */
  routes: 'AUTH_ROUTES',
  /** Not read: a digest of the route list, so that a new list means a new configuration and new containers. */
  routesDigest: 'AUTH_ROUTES_DIGEST',
  dynamodbEndpoint: 'AUTH_DYNAMODB_ENDPOINT',
  /** The web app's URL: the links in mails point there. Default: the issuer's origin. */
  appUrl: 'AUTH_APP_URL',
  /** Where mail is sent: an SMTP URL (the local runtime's inbox). Unset: no mail. */
  smtpUrl: 'AUTH_SMTP_URL',
  /** The sender of mail. Default: no-reply at the app URL's host. */
  mailFrom: 'AUTH_MAIL_FROM',
  /** The SQS queue of the deployed outbox. */
  mailQueueUrl: 'AUTH_MAIL_QUEUE_URL',
  /** The SES configuration set the mail sender uses (bounces, complaints, suppression). */
  sesConfigurationSet: 'AUTH_SES_CONFIGURATION_SET',
  webauthnRpId: 'AUTH_WEBAUTHN_RP_ID',
  webauthnOrigins: 'AUTH_WEBAUTHN_ORIGINS',
  ...(Object.fromEntries(Object.entries(SETTINGS).map(([k, spec]) => [k, spec.env])) as { readonly [K in keyof Settings]: string }),
} as const;

/** Validated configuration: where the deployment's resources are, and every setting. */
export interface Config extends Settings {
  readonly usersTable: string;
  readonly sessionsTable: string;
  /** Failed-login counters, per account, source and IP. */
  readonly attemptsTable: string;
  /** The audit trail of security events. */
  readonly auditTable: string;
  /** OAuth clients: services that get machine tokens. */
  readonly clientsTable: string;
  readonly issuer: string;
  readonly audience: string;
  /** A local file with the secrets (the local runtime). */
  readonly secretsFile: string | undefined;
  /** The Secrets Manager secret with the secrets (AWS), read through the Lambda extension. */
  readonly secretId: string | undefined;
  /** The SSM parameter with the public JWK set, for functions that only verify (AWS). */
  readonly publicJwksParameter: string | undefined;
  /** The SSM parameter with the protected routes of the authorizer's API (AWS); unset: the route table's. */
  readonly routesParameter: string | undefined;
  /** The protected routes, encoded (`contract/route-list.ts`), given directly (the local runtime). */
  readonly routes: string | undefined;
  readonly dynamodbEndpoint: string | undefined;
  /** Where the links in mails point; the local runtime's SMTP server; the sender of mail. */
  readonly appUrl: string | undefined;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string | undefined;
  readonly mailQueueUrl: string | undefined;
}

/** A variable is missing or malformed; the message names it and the value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Readonly<Record<string, string | undefined>>;

/** One setting from its variable: the default when unset, `ConfigError` when malformed. */
function readSetting(spec: SettingSpec, raw: string | undefined): unknown {
  const parsed = parseSetting(spec, raw);
  if ('problem' in parsed) throw new ConfigError(parsed.problem);
  return parsed.value;
}

/** Reads every setting from the environment; throws `ConfigError` on a malformed one. */
export function loadSettings(env: Env = process.env): Settings {
  return Object.fromEntries(Object.entries(SETTINGS).map(([k, spec]) => [k, readSetting(spec, env[spec.env])])) as unknown as Settings;
}

/** The issuer: an http(s) URL, required. */
export function loadIssuer(env: Env = process.env): string {
  const issuer = env[ENV.issuer]?.trim();
  if (!issuer) throw new ConfigError(`${ENV.issuer} is required`);
  if (!URL.canParse(issuer) || !/^https?:$/.test(new URL(issuer).protocol)) {
    throw new ConfigError(`${ENV.issuer} must be an http(s) URL, got ${JSON.stringify(issuer)}`);
  }
  return issuer;
}

/** Reads and validates every variable; throws `ConfigError` on the first bad one. */
export function loadConfig(env: Env = process.env): Config {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new ConfigError(`${name} is required`);
    return value;
  };
  const issuer = loadIssuer(env);
  const optional = (name: string) => env[name]?.trim() || undefined;
  const secretsFile = optional(ENV.secretsFile);
  const secretId = optional(ENV.secretId);
  if (secretsFile && secretId) throw new ConfigError(`set ${ENV.secretsFile} or ${ENV.secretId}, not both`);
  return {
    usersTable: required(ENV.usersTable),
    sessionsTable: required(ENV.sessionsTable),
    attemptsTable: required(ENV.attemptsTable),
    auditTable: required(ENV.auditTable),
    clientsTable: required(ENV.clientsTable),
    issuer,
    audience: required(ENV.audience),
    secretsFile,
    secretId,
    publicJwksParameter: optional(ENV.publicJwksParameter),
    routesParameter: optional(ENV.routesParameter),
    routes: optional(ENV.routes),
    dynamodbEndpoint: optional(ENV.dynamodbEndpoint),
    appUrl: optional(ENV.appUrl),
    smtpUrl: optional(ENV.smtpUrl),
    mailFrom: optional(ENV.mailFrom),
    mailQueueUrl: optional(ENV.mailQueueUrl),
    ...loadSettings(env),
  };
}
