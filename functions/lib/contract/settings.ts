/**
 * Every tunable of the service, declared once: its environment variable, kind, default, range
 * and one line of documentation. The runtime loader (`wiring/config.ts`), the construct's
 * checks and its `settings` prop, the local runtime and the README's configuration table all
 * read this table (a test renders the README table from it). Plain data.
 */
import { MFA_REQUIRED_ROLES_DEFAULT } from './roles';

interface IntSetting {
  readonly env: string;
  readonly kind: 'int';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly doc: string;
}
interface FlagSetting {
  readonly env: string;
  readonly kind: 'flag';
  readonly default: boolean;
  readonly doc: string;
}
interface EnumSetting<T extends string = string> {
  readonly env: string;
  readonly kind: 'enum';
  readonly values: readonly T[];
  readonly default: T;
  readonly doc: string;
}
interface TextSetting {
  readonly env: string;
  readonly kind: 'text';
  readonly default: string;
  readonly doc: string;
}
interface OriginsSetting {
  readonly env: string;
  readonly kind: 'origins';
  readonly default: readonly string[];
  readonly doc: string;
}
/** A list of names (roles, kinds of mail): comma-separated, `none` for an empty list. */
interface NamesSetting {
  readonly env: string;
  readonly kind: 'names';
  readonly default: readonly string[];
  readonly doc: string;
}
/** How one setting is declared. */
export type SettingSpec = IntSetting | FlagSetting | EnumSetting | TextSetting | OriginsSetting | NamesSetting;

const DAY = 86_400;

export const SETTINGS = {
  accessTokenTtlSeconds: {
    env: 'AUTH_ACCESS_TOKEN_TTL_SECONDS',
    kind: 'int',
    default: 900,
    min: 60,
    max: DAY,
    doc: 'access-token lifetime',
  },
  sessionTtlSeconds: {
    env: 'AUTH_SESSION_TTL_SECONDS',
    kind: 'int',
    default: 30 * DAY,
    min: 300,
    max: 365 * DAY,
    doc: 'absolute session lifetime; refreshes never extend it',
  },
  sessionIdleSeconds: {
    env: 'AUTH_SESSION_IDLE_SECONDS',
    kind: 'int',
    default: 7 * DAY,
    min: 300,
    max: 365 * DAY,
    doc: 'a session with no refresh for this long ends (ASVS 7.3.1)',
  },
  refreshGraceSeconds: {
    env: 'AUTH_REFRESH_GRACE_SECONDS',
    kind: 'int',
    default: 10,
    min: 0,
    max: 60,
    doc: 'a retry of a just-rotated refresh token within this window gets the same successor',
  },
  clockToleranceSeconds: {
    env: 'AUTH_CLOCK_TOLERANCE_SECONDS',
    kind: 'int',
    default: 30,
    min: 0,
    max: 300,
    doc: 'clock skew allowed on `exp` and `nbf`',
  },
  // OWASP Password Storage Cheat Sheet: bcrypt work factor of 10 or more.
  bcryptCost: { env: 'AUTH_BCRYPT_COST', kind: 'int', default: 11, min: 10, max: 15, doc: 'bcrypt work factor' },
  selfRegistration: { env: 'AUTH_SELF_REGISTRATION', kind: 'flag', default: false, doc: 'serve `POST /api/auth/register`' },
  jwksMaxAgeSeconds: {
    env: 'AUTH_JWKS_MAX_AGE_SECONDS',
    kind: 'int',
    default: 300,
    min: 0,
    max: DAY,
    doc: '`Cache-Control: max-age` of the JWKS',
  },
  keysCacheTtlSeconds: {
    env: 'AUTH_KEYS_CACHE_TTL_SECONDS',
    kind: 'int',
    default: 300,
    min: 0,
    max: 3600,
    doc: 'how long fetched keys are used before they are fetched again',
  },
  keyRotationDays: {
    env: 'AUTH_KEY_ROTATION_DAYS',
    kind: 'int',
    default: 90,
    min: 1,
    max: 3650,
    doc: 'rotation function: age at which the signing key gets a successor',
  },
  keyPublishLeadSeconds: {
    env: 'AUTH_KEY_PUBLISH_LEAD_SECONDS',
    kind: 'int',
    default: 3600,
    min: 0,
    max: 30 * DAY,
    doc: 'rotation function: minimum time a new key is published before it signs',
  },
  revocationCheck: {
    env: 'AUTH_REVOCATION_CHECK',
    kind: 'flag',
    default: true,
    doc: 'the authorizer and validate reject tokens of revoked sessions and disabled users, and drop removed roles',
  },
  revocationCacheSeconds: {
    env: 'AUTH_REVOCATION_CACHE_SECONDS',
    kind: 'int',
    default: 30,
    min: 0,
    max: 300,
    doc: 'how long a function reuses a session and user it read',
  },
  auditRetentionDays: {
    env: 'AUTH_AUDIT_RETENTION_DAYS',
    kind: 'int',
    default: 90,
    min: 1,
    max: 3650,
    doc: 'audit records expire after this',
  },
  lockoutFreePerSource: {
    env: 'AUTH_LOCKOUT_FREE_ATTEMPTS_PER_SOURCE',
    kind: 'int',
    default: 5,
    min: 1,
    max: 1000,
    doc: 'failed logins per account and IP before backoff',
  },
  lockoutFreePerAccount: {
    env: 'AUTH_LOCKOUT_FREE_ATTEMPTS_PER_ACCOUNT',
    kind: 'int',
    default: 20,
    min: 1,
    max: 100_000,
    doc: 'failed logins per account from untrusted IPs before backoff',
  },
  lockoutFreePerIp: {
    env: 'AUTH_LOCKOUT_FREE_ATTEMPTS_PER_IP',
    kind: 'int',
    default: 100,
    min: 1,
    max: 1_000_000,
    doc: 'failed logins per IP across accounts before backoff (trusted sources exempt)',
  },
  lockoutBaseDelaySeconds: {
    env: 'AUTH_LOCKOUT_BASE_DELAY_SECONDS',
    kind: 'int',
    default: 1,
    min: 1,
    max: 3600,
    doc: 'the first backoff; each failure doubles it',
  },
  lockoutMaxDelaySeconds: {
    env: 'AUTH_LOCKOUT_MAX_DELAY_SECONDS',
    kind: 'int',
    default: 900,
    min: 1,
    max: DAY,
    doc: 'the longest backoff',
  },
  lockoutWindowSeconds: {
    env: 'AUTH_LOCKOUT_WINDOW_SECONDS',
    kind: 'int',
    default: DAY,
    min: 60,
    max: 30 * DAY,
    doc: 'counters are forgotten this long after their last failure',
  },
  trustedSourceDays: {
    env: 'AUTH_TRUSTED_SOURCE_DAYS',
    kind: 'int',
    default: 30,
    min: 1,
    max: 365,
    doc: 'an IP an account logged in from is exempt from its account-wide and per-IP counters this long',
  },
  tokenDelivery: {
    env: 'AUTH_TOKEN_DELIVERY',
    kind: 'enum',
    values: ['body', 'cookie', 'both'],
    default: 'body',
    doc: '`body`, `cookie` (HttpOnly `__Secure-` cookie) or `both`',
  },
  allowedOrigins: {
    env: 'AUTH_ALLOWED_ORIGINS',
    kind: 'origins',
    default: [],
    doc: 'comma-separated browser origins allowed CORS with credentials and the cookie',
  },
  mfaRequiredRoles: {
    env: 'AUTH_MFA_REQUIRED_ROLES',
    kind: 'names',
    default: MFA_REQUIRED_ROLES_DEFAULT,
    doc: 'comma-separated roles whose holders must enrol a second factor before any other route serves them (`none`: no role)',
  },
  adminRoutesRequireMfa: {
    env: 'AUTH_ADMIN_ROUTES_REQUIRE_MFA',
    kind: 'flag',
    default: true,
    doc: 'the admin routes take only tokens whose sign-in used a second factor (`amr` has `mfa`)',
  },
  productName: {
    env: 'AUTH_PRODUCT_NAME',
    kind: 'text',
    default: 'aws-auth-service',
    doc: 'the name mails sign with, and an authenticator app shows beside the account',
  },
  emailNotices: {
    env: 'AUTH_EMAIL_NOTICES',
    kind: 'names',
    default: ['password_changed', 'address_changed', 'new_sign_in', 'factor_changed'],
    doc: 'the notices mailed to a verified address: `password_changed`, `address_changed`, `new_sign_in` (from a source the account has not used), `factor_changed`; `none` for none',
  },
  mailPerAddressPerHour: {
    env: 'AUTH_MAIL_PER_ADDRESS_PER_HOUR',
    kind: 'int',
    default: 3,
    min: 1,
    max: 1000,
    doc: 'recovery mails one address, name or account may cause per hour (more answer 429): nobody mail-bombs a user through us',
  },
  mailPerSourcePerHour: {
    env: 'AUTH_MAIL_PER_SOURCE_PER_HOUR',
    kind: 'int',
    default: 20,
    min: 1,
    max: 100_000,
    doc: 'recovery mails one source IP may cause per hour',
  },
  loginRequiresVerifiedEmail: {
    env: 'AUTH_LOGIN_REQUIRES_VERIFIED_EMAIL',
    kind: 'flag',
    default: false,
    doc: 'refuse sign-in to an account whose email address is not verified (accounts with no address are not affected)',
  },
  metricsService: {
    env: 'AUTH_METRICS_SERVICE',
    kind: 'text',
    default: 'auth',
    doc: 'the `service` dimension of the metrics (namespace `AuthService`); the construct sets `<stack>/<construct id>`, so stacks in one account keep their own dashboards and alarms',
  },
} as const satisfies Record<string, SettingSpec>;

type ValueOf<S> = S extends IntSetting
  ? number
  : S extends FlagSetting
    ? boolean
    : S extends EnumSetting<infer T>
      ? T
      : S extends OriginsSetting | NamesSetting
        ? readonly string[]
        : S extends TextSetting
          ? string
          : never;

/** Every tunable, typed from its declaration. */
export type Settings = { readonly [K in keyof typeof SETTINGS]: ValueOf<(typeof SETTINGS)[K]> };

/** The defaults, by setting: README, construct and tests quote these. */
export const DEFAULTS = Object.fromEntries(Object.entries(SETTINGS).map(([k, s]) => [k, s.default])) as unknown as Settings;

/** Why a value breaks its setting's rule, or undefined when it is good. */
export function settingProblem(spec: SettingSpec, value: unknown): string | undefined {
  switch (spec.kind) {
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= spec.min && value <= spec.max
        ? undefined
        : `must be an integer from ${spec.min} to ${spec.max}`;
    case 'flag':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'enum':
      return (spec.values as readonly unknown[]).includes(value) ? undefined : `must be one of ${spec.values.join(', ')}`;
    case 'text':
      return typeof value === 'string' && value !== '' ? undefined : 'must not be empty';
    case 'origins':
      return Array.isArray(value) && value.every((o) => typeof o === 'string' && o !== '*' && URL.canParse(o) && new URL(o).origin === o)
        ? undefined
        : 'must list origins like https://app.example.com';
    case 'names':
      return Array.isArray(value) && value.every((r) => typeof r === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(r))
        ? undefined
        : 'must list names (letters, digits or _ . : -), or be none';
  }
}

/** A setting's value as its environment variable carries it. */
export function settingToEnv(spec: SettingSpec, value: unknown): string {
  if (spec.kind === 'names') return (value as readonly string[]).length === 0 ? 'none' : (value as readonly string[]).join(',');
  return spec.kind === 'origins' ? (value as readonly string[]).join(',') : String(value);
}

/** The configuration table of the README, rendered from the declarations. */
export function settingsTable(settings: Readonly<Record<string, SettingSpec>> = SETTINGS): string {
  const shown = (s: SettingSpec) =>
    s.kind === 'origins'
      ? 'none'
      : s.kind === 'names'
        ? s.default.join(',')
        : s.kind === 'text'
          ? `\`${s.default}\``
          : s.kind === 'int' && s.default >= 10_000
            ? s.default.toLocaleString('en-US').replace(/,/g, ' ')
            : String(s.default);
  const rows = Object.values(settings).map((s) => {
    const range = s.kind === 'int' ? ` (${s.min} to ${s.max})` : '';
    return `| \`${s.env}\` | ${shown(s)} | ${s.doc}${range} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** A setting's value from its variable's text: the default when unset, a message when malformed. */
export function parseSetting(spec: SettingSpec, raw: string | undefined): { value: unknown } | { problem: string } {
  const text = raw?.trim();
  if (!text) return { value: spec.default };
  const value =
    spec.kind === 'int'
      ? Number(text)
      : spec.kind === 'flag'
        ? { true: true, '1': true, false: false, '0': false }[text.toLowerCase()]
        : spec.kind === 'origins' || spec.kind === 'names'
          ? spec.kind === 'names' && text.toLowerCase() === 'none'
            ? []
            : text
                .split(',')
                .map((o) => o.trim())
                .filter(Boolean)
          : text;
  const problem = settingProblem(spec, value);
  return problem ? { problem: `${spec.env} ${problem}, got ${JSON.stringify(text)}` } : { value };
}
