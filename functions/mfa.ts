import type { CoreDeps } from './lib/flows/deps';
import { confirmTotpEnrolment, regenerateRecoveryCodes, removeTotp, requireUser, startTotpEnrolment } from './lib/flows/factors';
import { stepUp, verifyMfa } from './lib/flows/mfa';
import { factorsView } from './lib/domain/factors';
import type { FactorAnswer } from './lib/flows/second-factor';
import { defaultCoreDeps } from './lib/wiring/core';
import { InvalidRequestError, NotFoundError } from './lib/domain/errors';
import { callerOf, pathParam, readBody, requestMeta } from './lib/http/request';
import {
  passkeyAnswer,
  passkeyRegistrationOptions,
  passkeySignIn,
  passkeySignInOptions,
  registerPasskey,
  removePasskey,
} from './lib/flows/passkeys';
import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { json, noContent } from './lib/http/response';
import type { DepsInput } from './lib/http/lazy';
import { REQUEST_BODIES } from './lib/contract/schemas';
import { createLogger } from './lib/telemetry/logger';
import { deliverPair } from './lib/http/token-delivery';

/** The one answer a second-factor request carries: exactly one of a TOTP code, a recovery code and a passkey assertion. */
function answerOf(
  body: { code?: string | undefined; recovery_code?: string | undefined; webauthn?: unknown },
  deps: CoreDeps,
): FactorAnswer {
  const given = [body.code, body.recovery_code, body.webauthn].filter((v) => v !== undefined).length;
  if (given !== 1) throw new InvalidRequestError('give exactly one of code, recovery_code and webauthn');
  if (body.code !== undefined) return { factor: 'totp', code: body.code };
  if (body.recovery_code !== undefined) return { factor: 'recovery_code', code: body.recovery_code };
  const { challenge_token, response } = body.webauthn as { challenge_token?: unknown; response?: unknown };
  if (typeof challenge_token !== 'string' || typeof response !== 'object' || response === null) {
    throw new InvalidRequestError('webauthn needs a challenge_token and a response');
  }
  return passkeyAnswer({ challengeToken: challenge_token, response }, deps);
}

/**
 * Second factors (ASVS 6.5): the public steps of a sign-in (`POST /api/auth/mfa/verify`, the
 * passkey options and passkey sign-in), and behind the authorizer the caller's own factors:
 * step-up, the listing, TOTP and passkey enrolment and removal, and new recovery codes.
 */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    const route = `${event.httpMethod} ${event.resource}`;
    const meta = requestMeta(event);
    if (route === 'POST /api/auth/mfa/verify') {
      const body = readBody(event, REQUEST_BODIES.mfaVerify);
      const { body: pair, headers } = deliverPair(await verifyMfa({ mfaToken: body.mfa_token, answer: answerOf(body, d) }, meta, d), d);
      return json(200, pair, headers);
    }
    if (route === 'POST /api/auth/passkeys/options') {
      return json(200, await passkeySignInOptions({ mfaToken: readBody(event, REQUEST_BODIES.passkeyOptions).mfa_token }, d));
    }
    if (route === 'POST /api/auth/passkeys/login') {
      const body = readBody(event, REQUEST_BODIES.passkeyLogin);
      const pair = await passkeySignIn({ challengeToken: body.challenge_token, response: body.response }, meta, d);
      const { body: delivered, headers } = deliverPair(pair, d);
      return json(200, delivered, headers);
    }
    const caller = callerOf(event, d);
    switch (route) {
      case 'POST /api/auth/mfa/step-up':
        return json(200, await stepUp(caller, answerOf(readBody(event, REQUEST_BODIES.stepUp), d), meta, d));
      case 'GET /api/auth/mfa':
        return json(200, factorsView(await requireUser(caller, d)));
      case 'POST /api/auth/mfa/totp':
        return json(200, await startTotpEnrolment(caller, d));
      case 'POST /api/auth/mfa/totp/confirm':
        return json(200, await confirmTotpEnrolment(caller, readBody(event, REQUEST_BODIES.totpConfirm).code, meta, d));
      case 'DELETE /api/auth/mfa/totp':
        await removeTotp(caller, meta, d);
        return noContent();
      case 'POST /api/auth/mfa/recovery-codes':
        return json(200, await regenerateRecoveryCodes(caller, meta, d));
      case 'POST /api/auth/passkeys/register/options':
        return json(200, await passkeyRegistrationOptions(caller, d));
      case 'POST /api/auth/passkeys/register': {
        const body = readBody(event, REQUEST_BODIES.passkeyRegister);
        return json(
          200,
          await registerPasskey(caller, { challengeToken: body.challenge_token, response: body.response, name: body.name }, meta, d),
        );
      }
      case 'DELETE /api/auth/passkeys/{id}':
        await removePasskey(caller, pathParam(event, 'id'), meta, d);
        return noContent();
    }
    throw new NotFoundError('no such route');
  });
}

export const handler = createHandler(defaultCoreDeps);
