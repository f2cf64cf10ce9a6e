import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { epochSeconds } from '../domain/clock';
import { InvalidGrantError, InvalidRequestError, NotFoundError, TokenError } from '../domain/errors';
import { amrOf, CEREMONY_SECONDS, hasSecondFactor, passkeyMethod, type Passkey } from '../domain/factors';
import { newRecoveryCodes, recoveryCodeRecords } from '../domain/recovery-codes';
import { requestFields, type RequestMeta } from '../domain/request-meta';
import type { TokenPair } from '../domain/sessions';
import { readThrottle } from '../domain/throttle';
import type { User } from '../domain/users';
import type { Caller, ChallengeFields, CoreDeps } from './deps';
import { afterFactorRemoved, type EnrolmentResult, recordSecondFactor, requireUser } from './factors';
import { finishSignIn } from './login';
import { requireRecentMfa } from './recent-mfa';
import { notify } from './notices';
import { factorChangedMail } from '../domain/email-messages';
import { countWrongFactor, type FactorAnswer, refuseIfThrottled, type WebAuthnProof } from './second-factor';

/**
 * Passkeys (WebAuthn Level 3, through @simplewebauthn/server): registration, sign-in without a
 * password (discoverable credentials), and a second factor after one. Every ceremony's challenge
 * travels in a signed, single-use `challenge_token` bound to its purpose and (but for a
 * passwordless sign-in) its user, so no challenge is kept server-side. Each ceremony requires
 * user verification (§6.2.3): a passkey then proves possession and a PIN or biometric.
 */

/** Options for `navigator.credentials.create()`, and the token that carries their challenge. */
export async function passkeyRegistrationOptions(
  caller: Caller,
  deps: CoreDeps,
): Promise<{ options: PublicKeyCredentialCreationOptionsJSON; challenge_token: string }> {
  const user = await requireUser(caller, deps);
  requireRecentMfa(caller, user, epochSeconds(deps.now));
  const options = await generateRegistrationOptions({
    rpName: deps.webauthn.rpName,
    rpID: deps.webauthn.rpId,
    userName: user.username,
    // §14.6.1: the user handle carries no personal data; the stable user id is random.
    userID: new Uint8Array(Buffer.from(user.userId)),
    attestationType: 'none',
    timeout: CEREMONY_SECONDS * 1000,
    excludeCredentials: Object.values(user.passkeys ?? {}).map((p) => ({ id: p.id, transports: [...(p.transports ?? [])] })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  const { token } = await deps.webauthnChallenges.issue(user.userId, { chal: options.challenge, purpose: 'register' });
  return { options, challenge_token: token };
}

/**
 * Registers the credential the browser created: the challenge, origin, RP id, user verification
 * and the signature are checked (§7.1). The session records the factor it just proved; the
 * account's first factor comes with ten recovery codes.
 */
export async function registerPasskey(
  caller: Caller,
  input: { challengeToken: string; response: unknown; name?: string | undefined },
  meta: RequestMeta,
  deps: CoreDeps,
): Promise<EnrolmentResult> {
  const user = await requireUser(caller, deps);
  const now = epochSeconds(deps.now);
  requireRecentMfa(caller, user, now);
  const claims = await spendChallenge(input.challengeToken, 'register', deps);
  if (claims.sub !== user.userId) throw new InvalidRequestError('this challenge_token is not for this user');
  let info: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    info = await verifyRegistrationResponse({
      response: input.response as RegistrationResponseJSON,
      expectedChallenge: claims.chal,
      expectedOrigin: [...deps.webauthn.origins],
      expectedRPID: deps.webauthn.rpId,
      requireUserVerification: true,
    });
  } catch {
    info = { verified: false };
  }
  if (!info.verified) throw new InvalidRequestError('the passkey could not be verified');
  const { credential, credentialDeviceType, credentialBackedUp } = info.registrationInfo;
  const passkey: Passkey = {
    id: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    ...(credential.transports && { transports: [...credential.transports] }),
    synced: credentialDeviceType === 'multiDevice' || credentialBackedUp,
    name: (input.name ?? 'passkey').slice(0, 64),
    createdAt: now,
  };
  const codes = hasSecondFactor(user) ? undefined : newRecoveryCodes();
  await deps.factors.addPasskey(user.username, passkey);
  if (codes) await deps.factors.replaceRecoveryCodes(user.username, recoveryCodeRecords(user.userId, codes, now));
  await deps.audit.record('mfa_enrolled', { ...requestFields(meta), userId: user.userId, sid: caller.sid, factor: 'webauthn' });
  await notify(user, 'factor_changed', (to, ctx) => factorChangedMail(to, 'added', 'a passkey', ctx), deps);
  const tokens = await recordSecondFactor(caller, user, passkeyMethod(passkey), now, deps, true);
  return { ...tokens, ...(codes && { recovery_codes: codes }) };
}

/**
 * Options for `navigator.credentials.get()`. With an `mfa_token`: the second step of a sign-in,
 * for that user's credentials. Without: a sign-in with a passkey alone, for any discoverable
 * credential of this RP (and for a step-up, where the caller's credential is checked later).
 */
export async function passkeySignInOptions(
  input: { mfaToken?: string | undefined },
  deps: CoreDeps,
): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; challenge_token: string }> {
  let user: User | undefined;
  if (input.mfaToken !== undefined) {
    const claims = await deps.mfaTokens.verify(input.mfaToken).catch((err: unknown) => {
      if (err instanceof TokenError)
        throw new InvalidGrantError('ERR_INVALID_CREDENTIALS', 'the mfa_token is invalid, expired or used: sign in again');
      throw err;
    });
    user = await deps.users.getUser(claims.username);
  }
  const options = await generateAuthenticationOptions({
    rpID: deps.webauthn.rpId,
    timeout: CEREMONY_SECONDS * 1000,
    userVerification: 'required',
    allowCredentials: Object.values(user?.passkeys ?? {}).map((p) => ({ id: p.id, transports: [...(p.transports ?? [])] })),
  });
  const { token } = await deps.webauthnChallenges.issue(user?.userId ?? '', { chal: options.challenge, purpose: 'sign-in' });
  return { options, challenge_token: token };
}

/** A WebAuthn assertion as a second-factor answer (sign-in's second step, or a step-up). */
export function passkeyAnswer(input: { challengeToken: string; response: unknown }, deps: CoreDeps): FactorAnswer {
  return {
    factor: 'webauthn',
    verify: async (user) => {
      const claims = await spendChallenge(input.challengeToken, 'sign-in', deps).catch(() => undefined);
      if (!claims || (claims.sub !== '' && claims.sub !== user.userId)) return undefined;
      return verifyAssertion(user, claims.chal, input.response, deps);
    },
  };
}

/**
 * `POST /api/auth/passkeys/login`: a sign-in with a passkey alone (passwordless, §6.2.2
 * discoverable credential). The credential names its user; user verification makes it two
 * factors (`amr` hwk or swk, and mfa). A failure counts on that user's login counters.
 */
export async function passkeySignIn(
  input: { challengeToken: string; response: unknown },
  meta: RequestMeta,
  deps: CoreDeps,
): Promise<TokenPair> {
  const refused = () => new InvalidGrantError('ERR_INVALID_CREDENTIALS', 'the passkey was not accepted');
  const claims = await spendChallenge(input.challengeToken, 'sign-in', deps).catch(() => {
    throw refused();
  });
  const id = (input.response as { id?: unknown } | null)?.id;
  const owner = typeof id === 'string' ? await deps.factors.findPasskeyOwner(id) : undefined;
  const user = owner === undefined ? undefined : await deps.users.getUser(owner);
  if (user?.status !== 'active' || (claims.sub !== '' && claims.sub !== user.userId)) throw refused();
  const now = epochSeconds(deps.now);
  const reading = await readThrottle(deps.attempts, user.username, meta.sourceIp ?? 'unknown', now, deps.throttle);
  await refuseIfThrottled(reading, user.userId, meta, deps);
  const proof = await verifyAssertion(user, claims.chal, input.response, deps);
  if (!proof?.userVerified) {
    await countWrongFactor(reading, now, 'webauthn', { userId: user.userId }, meta, deps);
    throw refused();
  }
  await deps.audit.record('mfa_verified', { ...requestFields(meta), userId: user.userId, factor: 'webauthn', reason: 'passwordless' });
  return finishSignIn(user, { amr: amrOf([proof.method], true), authTime: now }, reading, now, meta, deps);
}

/** `DELETE /api/auth/passkeys/{id}`: needs a recent second factor. */
export async function removePasskey(caller: Caller, credentialId: string, meta: RequestMeta, deps: CoreDeps): Promise<void> {
  const user = await requireUser(caller, deps);
  requireRecentMfa(caller, user, epochSeconds(deps.now));
  if (!(await deps.factors.removePasskey(user.username, credentialId))) throw new NotFoundError('no such passkey');
  await afterFactorRemoved(user, 'webauthn', caller.sid, meta, deps);
}

/** The claims of a live challenge token for `purpose`, spent now (one ceremony per challenge). */
async function spendChallenge(token: string, purpose: ChallengeFields['purpose'], deps: CoreDeps) {
  let claims: Awaited<ReturnType<CoreDeps['webauthnChallenges']['verify']>>;
  try {
    claims = await deps.webauthnChallenges.verify(token);
  } catch (err) {
    if (err instanceof TokenError) throw new InvalidRequestError('the challenge_token is invalid or expired: ask for new options');
    throw err;
  }
  if (claims.purpose !== purpose) throw new InvalidRequestError('this challenge_token is for another ceremony');
  if (!(await deps.attempts.claimOnce(`webauthn#${claims.jti}`, epochSeconds(deps.now), CEREMONY_SECONDS))) {
    throw new InvalidRequestError('this challenge_token was used already: ask for new options');
  }
  return claims;
}

/**
 * Checks an assertion against the user's stored credential (§7.2: challenge, origin, RP id, user
 * verification, signature, and the user handle when the authenticator gives one), then records
 * its signature counter with a conditional write: a counter that did not rise (a cloned
 * authenticator, or the same assertion twice) is refused.
 */
async function verifyAssertion(user: User, challenge: string, response: unknown, deps: CoreDeps): Promise<WebAuthnProof | undefined> {
  const assertion = response as AuthenticationResponseJSON;
  const passkey = typeof assertion?.id === 'string' ? user.passkeys?.[assertion.id] : undefined;
  if (!passkey) return undefined;
  const handle = assertion.response?.userHandle;
  if (handle !== undefined && handle !== Buffer.from(user.userId).toString('base64url')) return undefined;
  let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    result = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: challenge,
      expectedOrigin: [...deps.webauthn.origins],
      expectedRPID: deps.webauthn.rpId,
      credential: {
        id: passkey.id,
        publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
        counter: passkey.counter,
        ...(passkey.transports && { transports: passkey.transports as never }),
      },
      requireUserVerification: true,
    });
  } catch {
    return undefined;
  }
  if (!result.verified) return undefined;
  const { newCounter, userVerified } = result.authenticationInfo;
  if (!(await deps.factors.usePasskey(user.username, passkey.id, newCounter, epochSeconds(deps.now)))) return undefined;
  return { method: passkeyMethod(passkey), userVerified };
}
