import { TooManyAttemptsError } from '../domain/errors';
import type { AuthMethod, FactorName } from '../domain/factors';
import { requestFields, type RequestMeta } from '../domain/request-meta';
import { recordFailedCheck, type ThrottleReading } from '../domain/throttle';
import { hashRecoveryCode } from '../domain/recovery-codes';
import { matchTotpStep } from '../domain/totp';
import type { User } from '../domain/users';
import type { CoreDeps } from './deps';

/** One answer to a second-factor challenge. */
export type FactorAnswer =
  | { readonly factor: 'totp'; readonly code: string }
  | { readonly factor: 'recovery_code'; readonly code: string }
  | { readonly factor: 'webauthn'; readonly verify: (user: User) => Promise<WebAuthnProof | undefined> };

/** What a verified WebAuthn assertion proved. */
export interface WebAuthnProof {
  readonly method: AuthMethod;
  readonly userVerified: boolean;
}

/** What an answer proved: which factor, as which RFC 8176 method. */
export interface FactorProof {
  readonly factor: FactorName;
  readonly method: AuthMethod;
  readonly userVerified?: boolean;
}

/**
 * Checks an answer against the user's factors. Undefined when it proves nothing: a wrong code, a
 * code for a time step already used (RFC 6238 §5.2), a spent recovery code, or a factor the user
 * does not have. Every spend is one conditional write, so two concurrent requests with one code
 * cannot both pass.
 */
export async function proveFactor(user: User, answer: FactorAnswer, deps: CoreDeps): Promise<FactorProof | undefined> {
  switch (answer.factor) {
    case 'totp': {
      if (!user.totp) return undefined;
      const secret = deps.factorSealer.open(user.userId, user.totp.sealedSecret);
      const step = matchTotpStep(answer.code, secret, deps.now());
      if (step === undefined || !(await deps.factors.useTotpStep(user.username, step))) return undefined;
      if (deps.factorSealer.isOutdated(user.totp.sealedSecret)) {
        await deps.factors.resealTotp(user.username, user.totp.sealedSecret, deps.factorSealer.seal(user.userId, secret));
      }
      return { factor: 'totp', method: 'otp' };
    }
    case 'recovery_code': {
      // A recovery code stands in for a factor the user has; with none, there is nothing to recover.
      if (Object.keys(user.recoveryCodes ?? {}).length === 0) return undefined;
      const spent = await deps.factors.useRecoveryCode(user.username, hashRecoveryCode(user.userId, answer.code));
      return spent ? { factor: 'recovery_code', method: 'otp' } : undefined;
    }
    case 'webauthn': {
      const proof = await answer.verify(user);
      return proof && { factor: 'webauthn', method: proof.method, userVerified: proof.userVerified };
    }
  }
}

/** A second-factor check while the login counters say wait: audited, and 429 (ASVS 6.3.1). */
export async function refuseIfThrottled(reading: ThrottleReading, userId: string, meta: RequestMeta, deps: CoreDeps): Promise<void> {
  if (reading.retryAfterSeconds <= 0) return;
  await deps.audit.record('login_throttled', { ...requestFields(meta), userId, outcome: 'failure', reason: 'backoff' });
  throw new TooManyAttemptsError(reading.retryAfterSeconds);
}

/** A wrong second factor: counted on the counters wrong passwords count on, and audited. */
export async function countWrongFactor(
  reading: ThrottleReading,
  now: number,
  factor: FactorName,
  who: { readonly userId: string; readonly sid?: string | undefined },
  meta: RequestMeta,
  deps: CoreDeps,
): Promise<void> {
  await Promise.all([
    recordFailedCheck(deps.attempts, reading, now, deps.throttle),
    deps.audit.record('mfa_failed', { ...requestFields(meta), ...who, outcome: 'failure', factor }),
  ]);
}
