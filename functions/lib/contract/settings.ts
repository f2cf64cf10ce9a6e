/**
 * Every tunable of the service, declared once: its environment variable, kind, default and range
 * (its line of documentation is in `setting-docs.ts`). The runtime loader (`wiring/config.ts`), the construct's
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
  /** One line for the README (the service's own are in `setting-docs.ts`, out of the bundles). */
  readonly doc?: string;
}
interface FlagSetting {
  readonly env: string;
  readonly kind: 'flag';
  readonly default: boolean;
  /** One line for the README (the service's own are in `setting-docs.ts`, out of the bundles). */
  readonly doc?: string;
}
interface EnumSetting<T extends string = string> {
  readonly env: string;
  readonly kind: 'enum';
  readonly values: readonly T[];
  readonly default: T;
  /** One line for the README (the service's own are in `setting-docs.ts`, out of the bundles). */
  readonly doc?: string;
}
interface TextSetting {
  readonly env: string;
  readonly kind: 'text';
  readonly default: string;
  /** One line for the README (the service's own are in `setting-docs.ts`, out of the bundles). */
  readonly doc?: string;
}
interface OriginsSetting {
  readonly env: string;
  readonly kind: 'origins';
  readonly default: readonly string[];
  /** One line for the README (the service's own are in `setting-docs.ts`, out of the bundles). */
  readonly doc?: string;
}
/** A list of names (roles, kinds of mail): comma-separated, `none` for an empty list. */
interface NamesSetting {
  readonly env: string;
  readonly kind: 'names';
  readonly default: readonly string[];
  /** One line for the README (the service's own are in `setting-docs.ts`, out of the bundles). */
  readonly doc?: string;
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
  },
  sessionTtlSeconds: {
    env: 'AUTH_SESSION_TTL_SECONDS',
    kind: 'int',
    default: 30 * DAY,
    min: 300,
    max: 365 * DAY,
  },
  sessionIdleSeconds: {
    env: 'AUTH_SESSION_IDLE_SECONDS',
    kind: 'int',
    default: 7 * DAY,
    min: 300,
    max: 365 * DAY,
  },
  refreshGraceSeconds: {
    env: 'AUTH_REFRESH_GRACE_SECONDS',
    kind: 'int',
    default: 10,
    min: 0,
    max: 60,
  },
  clockToleranceSeconds: {
    env: 'AUTH_CLOCK_TOLERANCE_SECONDS',
    kind: 'int',
    default: 30,
    min: 0,
    max: 300,
  },
  // OWASP Password Storage Cheat Sheet: bcrypt work factor of 10 or more.
  bcryptCost: { env: 'AUTH_BCRYPT_COST', kind: 'int', default: 11, min: 10, max: 15 },
  selfRegistration: { env: 'AUTH_SELF_REGISTRATION', kind: 'flag', default: false },
  jwksMaxAgeSeconds: {
    env: 'AUTH_JWKS_MAX_AGE_SECONDS',
    kind: 'int',
    default: 300,
    min: 0,
    max: DAY,
  },
  keysCacheTtlSeconds: {
    env: 'AUTH_KEYS_CACHE_TTL_SECONDS',
    kind: 'int',
    default: 300,
    min: 0,
    max: 3600,
  },
  keyRotationDays: {
    env: 'AUTH_KEY_ROTATION_DAYS',
    kind: 'int',
    default: 90,
    min: 1,
    max: 3650,
  },
  keyPublishLeadSeconds: {
    env: 'AUTH_KEY_PUBLISH_LEAD_SECONDS',
    kind: 'int',
    default: 3600,
    min: 0,
    max: 30 * DAY,
  },
  revocationCheck: {
    env: 'AUTH_REVOCATION_CHECK',
    kind: 'flag',
    default: true,
  },
  revocationCacheSeconds: {
    env: 'AUTH_REVOCATION_CACHE_SECONDS',
    kind: 'int',
    default: 30,
    min: 0,
    max: 300,
  },
  auditRetentionDays: {
    env: 'AUTH_AUDIT_RETENTION_DAYS',
    kind: 'int',
    default: 90,
    min: 1,
    max: 3650,
  },
  lockoutFreePerSource: {
    env: 'AUTH_LOCKOUT_FREE_ATTEMPTS_PER_SOURCE',
    kind: 'int',
    default: 5,
    min: 1,
    max: 1000,
  },
  lockoutFreePerAccount: {
    env: 'AUTH_LOCKOUT_FREE_ATTEMPTS_PER_ACCOUNT',
    kind: 'int',
    default: 20,
    min: 1,
    max: 100_000,
  },
  lockoutFreePerIp: {
    env: 'AUTH_LOCKOUT_FREE_ATTEMPTS_PER_IP',
    kind: 'int',
    default: 100,
    min: 1,
    max: 1_000_000,
  },
  lockoutBaseDelaySeconds: {
    env: 'AUTH_LOCKOUT_BASE_DELAY_SECONDS',
    kind: 'int',
    default: 1,
    min: 1,
    max: 3600,
  },
  lockoutMaxDelaySeconds: {
    env: 'AUTH_LOCKOUT_MAX_DELAY_SECONDS',
    kind: 'int',
    default: 900,
    min: 1,
    max: DAY,
  },
  lockoutWindowSeconds: {
    env: 'AUTH_LOCKOUT_WINDOW_SECONDS',
    kind: 'int',
    default: DAY,
    min: 60,
    max: 30 * DAY,
  },
  trustedSourceDays: {
    env: 'AUTH_TRUSTED_SOURCE_DAYS',
    kind: 'int',
    default: 30,
    min: 1,
    max: 365,
  },
  tokenDelivery: {
    env: 'AUTH_TOKEN_DELIVERY',
    kind: 'enum',
    values: ['body', 'cookie', 'both'],
    default: 'body',
  },
  allowedOrigins: {
    env: 'AUTH_ALLOWED_ORIGINS',
    kind: 'origins',
    default: [],
  },
  mfaRequiredRoles: {
    env: 'AUTH_MFA_REQUIRED_ROLES',
    kind: 'names',
    default: MFA_REQUIRED_ROLES_DEFAULT,
  },
  adminRoutesRequireMfa: {
    env: 'AUTH_ADMIN_ROUTES_REQUIRE_MFA',
    kind: 'flag',
    default: true,
  },
  productName: {
    env: 'AUTH_PRODUCT_NAME',
    kind: 'text',
    default: 'aws-auth-service',
  },
  emailNotices: {
    env: 'AUTH_EMAIL_NOTICES',
    kind: 'names',
    default: ['password_changed', 'address_changed', 'new_sign_in', 'factor_changed'],
  },
  mailPerAddressPerHour: {
    env: 'AUTH_MAIL_PER_ADDRESS_PER_HOUR',
    kind: 'int',
    default: 3,
    min: 1,
    max: 1000,
  },
  mailPerSourcePerHour: {
    env: 'AUTH_MAIL_PER_SOURCE_PER_HOUR',
    kind: 'int',
    default: 20,
    min: 1,
    max: 100_000,
  },
  loginRequiresVerifiedEmail: {
    env: 'AUTH_LOGIN_REQUIRES_VERIFIED_EMAIL',
    kind: 'flag',
    default: false,
  },
  metricsService: {
    env: 'AUTH_METRICS_SERVICE',
    kind: 'text',
    default: 'auth',
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
