import type { CoreDeps } from './lib/flows/deps';
import {
  confirmTotpEnrolment,
  factorsView,
  regenerateRecoveryCodes,
  removeTotp,
  requireUser,
  startTotpEnrolment,
} from './lib/flows/factors';
import { stepUp, verifyMfa } from './lib/flows/mfa';
import type { FactorAnswer } from './lib/flows/second-factor';
import { defaultCoreDeps } from './lib/wiring/core';
import { InvalidRequestError, NotFoundError } from './lib/domain/errors';
import { callerOf, readBody, requestMeta } from './lib/http/request';
import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { json, noContent } from './lib/http/response';
import type { DepsInput } from './lib/http/lazy';
import { REQUEST_BODIES } from './lib/contract/schemas';
import { createLogger } from './lib/telemetry/logger';
import { deliverPair } from './lib/http/token-delivery';

/** The one answer a second-factor request carries: exactly one of a TOTP code and a recovery code. */
function answerOf(body: { code?: string | undefined; recovery_code?: string | undefined }): FactorAnswer {
  const given = [body.code, body.recovery_code].filter((v) => v !== undefined).length;
  if (given !== 1) throw new InvalidRequestError('give exactly one of code and recovery_code');
  return body.code !== undefined ? { factor: 'totp', code: body.code } : { factor: 'recovery_code', code: body.recovery_code as string };
}

/**
 * Second factors (ASVS 6.5): `POST /api/auth/mfa/verify` (public: the second step of a
 * sign-in), and behind the authorizer the caller's own factors: step-up, the listing, TOTP
 * enrolment and removal, and new recovery codes.
 */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    const route = `${event.httpMethod} ${event.resource}`;
    const meta = requestMeta(event);
    if (route === 'POST /api/auth/mfa/verify') {
      const body = readBody(event, REQUEST_BODIES.mfaVerify);
      const { body: pair, headers } = deliverPair(await verifyMfa({ mfaToken: body.mfa_token, answer: answerOf(body) }, meta, d), d);
      return json(200, pair, headers);
    }
    const caller = callerOf(event, d);
    switch (route) {
      case 'POST /api/auth/mfa/step-up':
        return json(200, await stepUp(caller, answerOf(readBody(event, REQUEST_BODIES.stepUp)), meta, d));
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
    }
    throw new NotFoundError('no such route');
  });
}

export const handler = createHandler(defaultCoreDeps);
