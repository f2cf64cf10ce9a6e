import { Secret, TOTP } from 'otpauth';

/**
 * TOTP (RFC 6238) with the parameters every authenticator app supports: SHA-1, 6 digits, 30 s.
 * otpauth computes the codes; this module decides which time step a code proves.
 */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** RFC 6238 §5.2: accept one step either side, for clock drift and typing time. */
export const TOTP_WINDOW_STEPS = 1;

/** A fresh 160-bit secret (RFC 4226 §4 recommends 160 bits), base32. */
export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

const totpOf = (secret: string, label = '', issuer = '') =>
  new TOTP({ issuer, label, algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secret) });

/** The `otpauth://` URI an authenticator app scans. */
export const totpUri = (secret: string, issuer: string, account: string): string => totpOf(secret, account, issuer).toString();

/** The code for a time: what an authenticator app shows (tests and the walk-through use it). */
export const totpCode = (secret: string, nowMs: number): string => totpOf(secret).generate({ timestamp: nowMs });

/** The time step a code belongs to, within the window around `nowMs`, or undefined if it matches none. */
export function matchTotpStep(code: string, secret: string, nowMs: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totpOf(secret).validate({ token: code, timestamp: nowMs, window: TOTP_WINDOW_STEPS });
  return delta === null ? undefined : Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS) + delta;
}
