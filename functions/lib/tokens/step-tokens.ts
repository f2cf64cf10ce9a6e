import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { epochSeconds, type Clock } from '../domain/clock';
import { TokenError } from '../domain/errors';
import { keyFromTrustedSet, toTokenError } from './access-tokens';
import { ALLOWED_ALGORITHMS, type KeySource } from './key-source';

/**
 * Short-lived signed tokens that carry one step of a flow to the next: the `mfa_token` between a
 * password and a second factor, and a WebAuthn challenge between its options and its answer.
 * Each kind has its own `typ` and audience (RFC 8725 §3.11, §3.12), so none passes as an access
 * token or as another kind, and each has a `jti` that the step that spends it claims once.
 */
export interface StepTokenKind {
  /** The JWT `typ`, as `application/<typ>` (RFC 8725 §3.11). */
  readonly typ: string;
  /** The one endpoint that takes it, as its audience. */
  readonly audience: string;
  readonly ttlSeconds: number;
}

/** The fields every step token has. */
export interface StepTokenClaims {
  readonly sub: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
}

/** Signs and verifies one kind of step token. */
export interface StepTokens<T extends object> {
  issue(subject: string, fields: T): Promise<{ token: string; claims: StepTokenClaims & T }>;
  /** `TokenError` for anything that is not a live token of this kind. */
  verify(token: string): Promise<StepTokenClaims & T>;
}

/** Step tokens of `kind`, signed by the service's keys. */
export function createStepTokens<T extends object>(
  kind: StepTokenKind,
  options: { readonly keys: KeySource; readonly issuer: string; readonly now: Clock; readonly clockToleranceSeconds: number },
): StepTokens<T> {
  const { keys, issuer, now } = options;
  return {
    async issue(subject, fields) {
      const iat = epochSeconds(now);
      const claims = { ...fields, sub: subject, jti: randomUUID(), iat, exp: iat + kind.ttlSeconds };
      const { kid, alg, key } = await keys.getSigningKey();
      const token = await new SignJWT({ ...claims, iss: issuer, aud: kind.audience })
        .setProtectedHeader({ alg, kid, typ: kind.typ })
        .sign(key);
      return { token, claims };
    },
    async verify(token) {
      if (typeof token !== 'string' || token === '') throw new TokenError('ERR_JWT_MISSING', 'no token');
      try {
        const { payload } = await jwtVerify(token, (header) => keyFromTrustedSet(keys, header), {
          algorithms: [...ALLOWED_ALGORITHMS],
          typ: kind.typ,
          issuer,
          audience: kind.audience,
          requiredClaims: ['exp', 'iat', 'sub', 'jti'],
          clockTolerance: options.clockToleranceSeconds,
          currentDate: new Date(now()),
        });
        return payload as unknown as StepTokenClaims & T;
      } catch (err) {
        throw toTokenError(err);
      }
    },
  };
}
