import type { CoreDeps } from './lib/flows/deps';
import { changeEmail, forgotPassword, resetPassword, verifyEmailAddress } from './lib/flows/recovery';
import { defaultCoreDeps } from './lib/wiring/core';
import { InvalidRequestError, NotFoundError } from './lib/domain/errors';
import { callerOf, readBody, requestMeta } from './lib/http/request';
import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import { json, noContent } from './lib/http/response';
import type { DepsInput } from './lib/http/lazy';
import { REQUEST_BODIES } from './lib/contract/schemas';
import { createLogger } from './lib/telemetry/logger';

/** The one answer to every forgot-password request, whatever the account. */
const ACCEPTED = { status: 'accepted', message: 'if the account has a verified address, a reset link is on its way' } as const;

/**
 * Recovery by email, public: `POST /api/auth/password/forgot`, `POST /api/auth/password/reset`,
 * `POST /api/auth/email/verify`; and, signed in, `POST /api/auth/email` (add or change the
 * address). Served where mail is configured.
 */
export function createHandler(deps: DepsInput<CoreDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    const meta = requestMeta(event);
    switch (`${event.httpMethod} ${event.resource}`) {
      case 'POST /api/auth/password/forgot': {
        const body = readBody(event, REQUEST_BODIES.forgot);
        await forgotPassword({ email: body.email, username: body.username }, meta, d);
        return json(202, ACCEPTED);
      }
      case 'POST /api/auth/password/reset': {
        const body = readBody(event, REQUEST_BODIES.reset);
        if (body.code !== undefined && body.recovery_code !== undefined)
          throw new InvalidRequestError('give at most one of code and recovery_code');
        const answer =
          body.code !== undefined
            ? { factor: 'totp' as const, code: body.code }
            : body.recovery_code !== undefined
              ? { factor: 'recovery_code' as const, code: body.recovery_code }
              : undefined;
        await resetPassword({ token: body.token, newPassword: body.new_password, answer }, meta, d);
        return noContent();
      }
      case 'POST /api/auth/email':
        await changeEmail(callerOf(event, d), { email: readBody(event, REQUEST_BODIES.emailChange).email }, meta, d);
        return json(202, { status: 'accepted', message: 'follow the link mailed to the new address to complete the change' });
      case 'POST /api/auth/email/verify':
        await verifyEmailAddress({ token: readBody(event, REQUEST_BODIES.emailVerify).token }, meta, d);
        return noContent();
    }
    throw new NotFoundError('no such route');
  });
}

export const handler = createHandler(defaultCoreDeps);
