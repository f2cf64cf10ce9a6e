/**
 * Second factors (ASVS 6.5, NIST SP 800-63B §5.1): TOTP, passkeys and recovery codes, as they
 * are stored on the user's item, and the rules that decide what a sign-in proved. Times are
 * epoch seconds.
 */

/** RFC 8176 authentication method references this service sets. */
export type AuthMethod = 'pwd' | 'otp' | 'hwk' | 'swk' | 'mfa';

/** The OpenID PAPE policy URI for multi-factor authentication: the `acr` of a token whose `amr` has `mfa`, and the `acr_values` of a step-up challenge (RFC 9470 §3). */
export const MFA_ACR = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';

/** An active TOTP factor: its secret, sealed, and the last time step a code was accepted for. */
export interface TotpFactor {
  readonly sealedSecret: string;
  readonly lastStep: number;
  readonly confirmedAt: number;
}

/** A TOTP secret handed out, that a first code has not confirmed yet. */
export interface PendingTotp {
  readonly sealedSecret: string;
  readonly expiresAt: number;
}

/** A registered WebAuthn credential (a passkey or a security key). */
export interface Passkey {
  /** The credential id, base64url. */
  readonly id: string;
  /** The COSE public key, base64url. */
  readonly publicKey: string;
  /** The signature counter last seen (0: the authenticator keeps none). */
  readonly counter: number;
  readonly transports?: readonly string[];
  /** Synced to other devices (backup eligible), so a software key rather than bound hardware. */
  readonly synced: boolean;
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt?: number;
}

/** What a user has enrolled, as stored on their item. */
export interface UserFactors {
  readonly totp?: TotpFactor;
  readonly totpPending?: PendingTotp;
  /** By credential id. */
  readonly passkeys?: Readonly<Record<string, Passkey>>;
  /** Unused recovery codes: hash → when it was made. */
  readonly recoveryCodes?: Readonly<Record<string, number>>;
}

/** The factors a second step may use, as the `mfa_required` answer names them. */
export type FactorName = 'totp' | 'webauthn' | 'recovery_code';

/** The second factors a user can answer a challenge with (recovery codes only beside another). */
export function factorsOf(user: UserFactors): FactorName[] {
  const factors: FactorName[] = [];
  if (user.totp) factors.push('totp');
  if (Object.keys(user.passkeys ?? {}).length > 0) factors.push('webauthn');
  if (factors.length > 0 && Object.keys(user.recoveryCodes ?? {}).length > 0) factors.push('recovery_code');
  return factors;
}

/** Has the user a second factor (TOTP or a passkey)? Then a password alone opens no session. */
export const hasSecondFactor = (user: UserFactors): boolean => user.totp !== undefined || Object.keys(user.passkeys ?? {}).length > 0;

/** How long a WebAuthn ceremony may take, and its challenge live (WebAuthn §15.1 recommends 300 s with user verification). */
export const CEREMONY_SECONDS = 300;

/** How long a TOTP secret waits for its confirming code. */
export const PENDING_TOTP_SECONDS = 600;

/** How recent a second factor must be for the sensitive changes: a password, a factor, recovery codes. */
export const RECENT_MFA_SECONDS = 900;

/** What a sign-in proved, as its tokens carry it (RFC 8176 `amr`; OpenID Connect `auth_time`). */
export interface Authentication {
  readonly amr: readonly AuthMethod[];
  readonly authTime: number;
}

/** The `amr` of a passkey: `hwk` for a key bound to its device, `swk` for a synced one. */
export const passkeyMethod = (passkey: Pick<Passkey, 'synced'>): AuthMethod => (passkey.synced ? 'swk' : 'hwk');

/**
 * The `amr` of a sign-in that used these methods: `mfa` once two different kinds are there, or a
 * passkey verified the user (possession, and a PIN or biometric on the device: NIST SP 800-63B
 * §5.1.9, a multi-factor cryptographic authenticator).
 */
export function amrOf(methods: readonly AuthMethod[], userVerifiedKey = false): AuthMethod[] {
  const unique = [...new Set(methods.filter((m) => m !== 'mfa'))];
  return unique.length >= 2 || userVerifiedKey ? [...unique, 'mfa'] : unique;
}

/** Did this authentication use more than one factor? */
export const isMultiFactor = (amr: readonly string[] | undefined): boolean => amr?.includes('mfa') === true;

/**
 * Does an authentication meet a route's step-up rule (RFC 9470)? `mfa`: a second factor;
 * `maxAge`: the user authenticated at most this many seconds ago.
 */
export function meetsStepUp(
  auth: { readonly amr?: readonly string[] | undefined; readonly authTime?: number | undefined },
  rule: { readonly mfa?: boolean | undefined; readonly maxAge?: number | undefined },
  nowSeconds: number,
): boolean {
  if (rule.mfa && !isMultiFactor(auth.amr)) return false;
  if (rule.maxAge !== undefined && (auth.authTime === undefined || nowSeconds - auth.authTime > rule.maxAge)) return false;
  return true;
}

/** The RFC 9470 §3 challenge for a rule that was not met. */
export function stepUpChallenge(rule: { readonly mfa?: boolean | undefined; readonly maxAge?: number | undefined }): string {
  const parts = [
    'Bearer error="insufficient_user_authentication"',
    'error_description="a more recent or stronger authentication is required"',
    ...(rule.mfa ? [`acr_values="${MFA_ACR}"`] : []),
    ...(rule.maxAge !== undefined ? [`max_age=${rule.maxAge}`] : []),
  ];
  return parts.join(', ');
}

/** A user's factors as they (and admins) see them: never a secret, a key or a code. */
export interface FactorsView {
  readonly totp: { readonly enabled: boolean; readonly confirmed_at?: number };
  readonly passkeys: { id: string; name: string; created_at: number; last_used_at?: number; synced: boolean }[];
  readonly recovery_codes_remaining: number;
}

/** The factors of a stored user. */
export function factorsView(user: UserFactors): FactorsView {
  return {
    totp: user.totp ? { enabled: true, confirmed_at: user.totp.confirmedAt } : { enabled: false },
    passkeys: Object.values(user.passkeys ?? {})
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((p) => ({
        id: p.id,
        name: p.name,
        created_at: p.createdAt,
        ...(p.lastUsedAt !== undefined && { last_used_at: p.lastUsedAt }),
        synced: p.synced,
      })),
    recovery_codes_remaining: Object.keys(user.recoveryCodes ?? {}).length,
  };
}
