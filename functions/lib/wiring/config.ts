import { parseExtraRoutes, type PolicyRoute } from '../contract/routes';

/**
 * The one place that reads the environment. `ENV` names every variable; `infra/` and
 * `local/` import it to set them, so the names cannot drift apart.
 */
export const ENV = {
  usersTable: 'AUTH_USERS_TABLE',
  sessionsTable: 'AUTH_SESSIONS_TABLE',
  attemptsTable: 'AUTH_ATTEMPTS_TABLE',
  auditTable: 'AUTH_AUDIT_TABLE',
  issuer: 'AUTH_ISSUER',
  audience: 'AUTH_AUDIENCE',
  secretsFile: 'AUTH_SECRETS_FILE',
  secretId: 'AUTH_SECRET_ID',
  publicJwksParameter: 'AUTH_PUBLIC_JWKS_PARAMETER',
  keysCacheTtlSeconds: 'AUTH_KEYS_CACHE_TTL_SECONDS',
  keyRotationDays: 'AUTH_KEY_ROTATION_DAYS',
  keyPublishLeadSeconds: 'AUTH_KEY_PUBLISH_LEAD_SECONDS',
  extraRoutes: 'AUTH_EXTRA_ROUTES',
  sessionIdleSeconds: 'AUTH_SESSION_IDLE_SECONDS',
  revocationCheck: 'AUTH_REVOCATION_CHECK',
  revocationCacheSeconds: 'AUTH_REVOCATION_CACHE_SECONDS',
  auditRetentionDays: 'AUTH_AUDIT_RETENTION_DAYS',
  lockoutFreePerSource: 'AUTH_LOCKOUT_FREE_ATTEMPTS_PER_SOURCE',
  lockoutFreePerAccount: 'AUTH_LOCKOUT_FREE_ATTEMPTS_PER_ACCOUNT',
  lockoutFreePerIp: 'AUTH_LOCKOUT_FREE_ATTEMPTS_PER_IP',
  lockoutBaseDelaySeconds: 'AUTH_LOCKOUT_BASE_DELAY_SECONDS',
  lockoutMaxDelaySeconds: 'AUTH_LOCKOUT_MAX_DELAY_SECONDS',
  lockoutWindowSeconds: 'AUTH_LOCKOUT_WINDOW_SECONDS',
  trustedSourceDays: 'AUTH_TRUSTED_SOURCE_DAYS',
  tokenDelivery: 'AUTH_TOKEN_DELIVERY',
  allowedOrigins: 'AUTH_ALLOWED_ORIGINS',
  dynamodbEndpoint: 'AUTH_DYNAMODB_ENDPOINT',
  accessTokenTtlSeconds: 'AUTH_ACCESS_TOKEN_TTL_SECONDS',
  sessionTtlSeconds: 'AUTH_SESSION_TTL_SECONDS',
  refreshGraceSeconds: 'AUTH_REFRESH_GRACE_SECONDS',
  clockToleranceSeconds: 'AUTH_CLOCK_TOLERANCE_SECONDS',
  bcryptCost: 'AUTH_BCRYPT_COST',
  selfRegistration: 'AUTH_SELF_REGISTRATION',
  jwksMaxAgeSeconds: 'AUTH_JWKS_MAX_AGE_SECONDS',
} as const;

/** Validated configuration. Units are part of each name. */
export interface Config {
  readonly usersTable: string;
  readonly sessionsTable: string;
  /** Failed-login counters, per account, source and IP. */
  readonly attemptsTable: string;
  /** The audit trail of security events. */
  readonly auditTable: string;
  readonly issuer: string;
  readonly audience: string;
  /** A local file with the secrets (the local runtime). */
  readonly secretsFile: string | undefined;
  /** The Secrets Manager secret with the secrets (AWS), read through the Lambda extension. */
  readonly secretId: string | undefined;
  /** The SSM parameter with the public JWK set, for functions that only verify (AWS). */
  readonly publicJwksParameter: string | undefined;
  /** Protected routes of other services behind our authorizer, for its policy. */
  readonly extraRoutes: readonly PolicyRoute[];
  readonly dynamodbEndpoint: string | undefined;
  readonly accessTokenTtlSeconds: number;
  readonly sessionTtlSeconds: number;
  readonly refreshGraceSeconds: number;
  readonly clockToleranceSeconds: number;
  readonly bcryptCost: number;
  readonly selfRegistration: boolean;
  readonly jwksMaxAgeSeconds: number;
  /** How long fetched keys are trusted before they are fetched again. */
  readonly keysCacheTtlSeconds: number;
  /** Age at which the signing key is replaced. */
  readonly keyRotationDays: number;
  /** How long a new key is published before it signs: longer than every verifier's caches. */
  readonly keyPublishLeadSeconds: number;
  /** A session with no refresh for this long ends (ASVS 7.3.1). */
  readonly sessionIdleSeconds: number;
  /** Reject access tokens of revoked sessions and disabled users (ASVS 7.4.1). */
  readonly revocationCheck: boolean;
  /** How long a function reuses what it read about a session and user. */
  readonly revocationCacheSeconds: number;
  readonly auditRetentionDays: number;
  /** Failed logins allowed for one account from one IP before backoff starts. */
  readonly lockoutFreePerSource: number;
  /** Failed logins allowed for one account from IPs it has never logged in from. */
  readonly lockoutFreePerAccount: number;
  /** Failed logins allowed from one IP across all accounts. */
  readonly lockoutFreePerIp: number;
  /** The first delay; each further failure doubles it. */
  readonly lockoutBaseDelaySeconds: number;
  /** The longest delay: a lockout never lasts longer than this after the last failure. */
  readonly lockoutMaxDelaySeconds: number;
  /** Counters are forgotten this long after their last failure. */
  readonly lockoutWindowSeconds: number;
  /** An IP an account logged in from stays trusted for it this long. */
  readonly trustedSourceDays: number;
  /** Where the refresh token travels: the JSON body, an HttpOnly cookie, or both. */
  readonly tokenDelivery: 'body' | 'cookie' | 'both';
  /** Browser origins allowed to call the API with credentials (CORS) and to use the cookie (CSRF check). */
  readonly allowedOrigins: readonly string[];
}

/** Defaults, exported so the README, CDK props and tests quote the same numbers. */
export const DEFAULTS = {
  accessTokenTtlSeconds: 900,
  sessionTtlSeconds: 30 * 24 * 3600,
  refreshGraceSeconds: 10,
  clockToleranceSeconds: 30,
  bcryptCost: 11,
  selfRegistration: false,
  jwksMaxAgeSeconds: 300,
  keysCacheTtlSeconds: 300,
  keyRotationDays: 90,
  keyPublishLeadSeconds: 3600,
  sessionIdleSeconds: 7 * 86_400,
  revocationCheck: true,
  revocationCacheSeconds: 30,
  auditRetentionDays: 90,
  lockoutFreePerSource: 5,
  lockoutFreePerAccount: 20,
  lockoutFreePerIp: 100,
  lockoutBaseDelaySeconds: 1,
  lockoutMaxDelaySeconds: 900,
  lockoutWindowSeconds: 86_400,
  trustedSourceDays: 30,
  tokenDelivery: 'body',
  allowedOrigins: [] as readonly string[],
} as const;

/** A variable is missing or malformed; the message names it and the value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function readExtraRoutes(json: string | undefined): PolicyRoute[] {
  if (json === undefined) return [];
  try {
    return parseExtraRoutes(json);
  } catch (err) {
    throw new ConfigError(`${ENV.extraRoutes} is malformed: ${(err as Error).message}`);
  }
}

/** The tunables: every variable that has a default. */
export type Settings = Omit<
  Config,
  | 'usersTable'
  | 'sessionsTable'
  | 'attemptsTable'
  | 'auditTable'
  | 'issuer'
  | 'audience'
  | 'secretsFile'
  | 'secretId'
  | 'publicJwksParameter'
  | 'extraRoutes'
  | 'dynamodbEndpoint'
>;

/** Reads the variables that have defaults; throws `ConfigError` on a malformed one. */
export function loadSettings(env: Env = process.env): Settings {
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
  };
  function oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    if (!(values as readonly string[]).includes(raw))
      throw new ConfigError(`${name} must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
    return raw as T;
  }
  function origins(name: string): string[] {
    const list = (env[name] ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    for (const o of list) {
      if (o === '*' || !URL.canParse(o) || new URL(o).origin !== o)
        throw new ConfigError(`${name} must list origins like https://app.example.com, got ${JSON.stringify(o)}`);
    }
    return list;
  }
  return {
    accessTokenTtlSeconds: integer(ENV.accessTokenTtlSeconds, DEFAULTS.accessTokenTtlSeconds, 60, 86_400),
    sessionTtlSeconds: integer(ENV.sessionTtlSeconds, DEFAULTS.sessionTtlSeconds, 300, 365 * 86_400),
    refreshGraceSeconds: integer(ENV.refreshGraceSeconds, DEFAULTS.refreshGraceSeconds, 0, 60),
    clockToleranceSeconds: integer(ENV.clockToleranceSeconds, DEFAULTS.clockToleranceSeconds, 0, 300),
    // OWASP Password Storage Cheat Sheet: bcrypt work factor of 10 or more.
    bcryptCost: integer(ENV.bcryptCost, DEFAULTS.bcryptCost, 10, 15),
    selfRegistration: flag(ENV.selfRegistration, DEFAULTS.selfRegistration),
    jwksMaxAgeSeconds: integer(ENV.jwksMaxAgeSeconds, DEFAULTS.jwksMaxAgeSeconds, 0, 86_400),
    keysCacheTtlSeconds: integer(ENV.keysCacheTtlSeconds, DEFAULTS.keysCacheTtlSeconds, 0, 3600),
    keyRotationDays: integer(ENV.keyRotationDays, DEFAULTS.keyRotationDays, 1, 3650),
    keyPublishLeadSeconds: integer(ENV.keyPublishLeadSeconds, DEFAULTS.keyPublishLeadSeconds, 0, 30 * 86_400),
    sessionIdleSeconds: integer(ENV.sessionIdleSeconds, DEFAULTS.sessionIdleSeconds, 300, 365 * 86_400),
    revocationCheck: flag(ENV.revocationCheck, DEFAULTS.revocationCheck),
    revocationCacheSeconds: integer(ENV.revocationCacheSeconds, DEFAULTS.revocationCacheSeconds, 0, 300),
    auditRetentionDays: integer(ENV.auditRetentionDays, DEFAULTS.auditRetentionDays, 1, 3650),
    lockoutFreePerSource: integer(ENV.lockoutFreePerSource, DEFAULTS.lockoutFreePerSource, 1, 1000),
    lockoutFreePerAccount: integer(ENV.lockoutFreePerAccount, DEFAULTS.lockoutFreePerAccount, 1, 100_000),
    lockoutFreePerIp: integer(ENV.lockoutFreePerIp, DEFAULTS.lockoutFreePerIp, 1, 1_000_000),
    lockoutBaseDelaySeconds: integer(ENV.lockoutBaseDelaySeconds, DEFAULTS.lockoutBaseDelaySeconds, 1, 3600),
    lockoutMaxDelaySeconds: integer(ENV.lockoutMaxDelaySeconds, DEFAULTS.lockoutMaxDelaySeconds, 1, 86_400),
    lockoutWindowSeconds: integer(ENV.lockoutWindowSeconds, DEFAULTS.lockoutWindowSeconds, 60, 30 * 86_400),
    trustedSourceDays: integer(ENV.trustedSourceDays, DEFAULTS.trustedSourceDays, 1, 365),
    tokenDelivery: oneOf(ENV.tokenDelivery, ['body', 'cookie', 'both'] as const, DEFAULTS.tokenDelivery),
    allowedOrigins: origins(ENV.allowedOrigins),
  };
}

/** Reads and validates every variable; throws `ConfigError` on the first bad one. */
export function loadConfig(env: Env = process.env): Config {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new ConfigError(`${name} is required`);
    return value;
  };
  const issuer = required(ENV.issuer);
  if (!URL.canParse(issuer) || !/^https?:$/.test(new URL(issuer).protocol)) {
    throw new ConfigError(`${ENV.issuer} must be an http(s) URL, got ${JSON.stringify(issuer)}`);
  }
  const optional = (name: string) => env[name]?.trim() || undefined;
  const secretsFile = optional(ENV.secretsFile);
  const secretId = optional(ENV.secretId);
  if (secretsFile && secretId) throw new ConfigError(`set ${ENV.secretsFile} or ${ENV.secretId}, not both`);
  return {
    usersTable: required(ENV.usersTable),
    sessionsTable: required(ENV.sessionsTable),
    attemptsTable: required(ENV.attemptsTable),
    auditTable: required(ENV.auditTable),
    issuer,
    audience: required(ENV.audience),
    secretsFile,
    secretId,
    publicJwksParameter: optional(ENV.publicJwksParameter),
    extraRoutes: readExtraRoutes(optional(ENV.extraRoutes)),
    dynamodbEndpoint: optional(ENV.dynamodbEndpoint),
    ...loadSettings(env),
  };
}
