/**
 * One line of documentation per setting, for the README's configuration table and the
 * construct's docs. Apart from `settings.ts`, so that no function bundle carries them.
 */
import { SETTINGS, type SettingSpec } from './settings';

export const SETTING_DOCS: Readonly<Record<keyof typeof SETTINGS, string>> = {
  accessTokenTtlSeconds: 'access-token lifetime',
  sessionTtlSeconds: 'absolute session lifetime; refreshes never extend it',
  sessionIdleSeconds: 'a session with no refresh for this long ends (ASVS 7.3.1)',
  refreshGraceSeconds: 'a retry of a just-rotated refresh token within this window gets the same successor',
  clockToleranceSeconds: 'clock skew allowed on `exp` and `nbf`',
  bcryptCost: 'bcrypt work factor',
  selfRegistration: 'serve `POST /api/auth/register`',
  jwksMaxAgeSeconds: '`Cache-Control: max-age` of the JWKS',
  keysCacheTtlSeconds: 'how long fetched keys are used before they are fetched again',
  keyRotationDays: 'rotation function: age at which the signing key gets a successor',
  keyPublishLeadSeconds: 'rotation function: minimum time a new key is published before it signs',
  revocationCheck: 'the authorizer and validate reject tokens of revoked sessions and disabled users, and drop removed roles',
  revocationCacheSeconds: 'how long a function reuses a session and user it read',
  auditRetentionDays: 'audit records expire after this',
  lockoutFreePerSource: 'failed logins per account and IP before backoff',
  lockoutFreePerAccount: 'failed logins per account from untrusted IPs before backoff',
  lockoutFreePerIp: 'failed logins per IP across accounts before backoff (trusted sources exempt)',
  lockoutBaseDelaySeconds: 'the first backoff; each failure doubles it',
  lockoutMaxDelaySeconds: 'the longest backoff',
  lockoutWindowSeconds: 'counters are forgotten this long after their last failure',
  trustedSourceDays: 'an IP an account logged in from is exempt from its account-wide and per-IP counters this long',
  tokenDelivery: '`body`, `cookie` (HttpOnly `__Secure-` cookie) or `both`',
  allowedOrigins: 'comma-separated browser origins allowed CORS with credentials and the cookie',
  mfaRequiredRoles: 'comma-separated roles whose holders must enrol a second factor before any other route serves them (`none`: no role)',
  adminRoutesRequireMfa: 'the admin routes take only tokens whose sign-in used a second factor (`amr` has `mfa`)',
  productName: 'the name mails sign with, and an authenticator app shows beside the account',
  emailNotices:
    'the notices mailed to a verified address: `password_changed`, `address_changed`, `new_sign_in` (from a source the account has not used), `factor_changed`; `none` for none',
  mailPerAddressPerHour:
    'recovery mails one address, name or account may cause per hour (more answer 429): nobody mail-bombs a user through us',
  mailPerSourcePerHour: 'recovery mails one source IP may cause per hour',
  loginRequiresVerifiedEmail:
    'refuse sign-in to an account whose email address is not verified (accounts with no address are not affected)',
  metricsService:
    'the `service` dimension of the metrics (namespace `AuthService`); the construct sets `<stack>/<construct id>`, so stacks in one account keep their own dashboards and alarms',
};

/** The configuration table of the README, rendered from the declarations. */
export function settingsTable(
  settings: Readonly<Record<string, SettingSpec>> = SETTINGS,
  docs: Readonly<Record<string, string>> = SETTING_DOCS,
): string {
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
  const rows = Object.entries(settings).map(([key, s]) => {
    const range = s.kind === 'int' ? ` (${s.min} to ${s.max})` : '';
    return `| \`${s.env}\` | ${shown(s)} | ${docs[key] ?? s.doc ?? ''}${range} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
