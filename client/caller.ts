/**
 * For your own functions behind the auth service's authorizer: the signed-in caller from
 * `event.requestContext.authorizer`, refused once the token is past `exp` (API Gateway's cache
 * can outlive a token). No dependencies.
 *
 *   const { caller, error } = callerFromContext(event.requestContext.authorizer);
 *   if (!caller) return { statusCode: 401, body: JSON.stringify({ error: 'invalid_token', error_description: error }) };
 */
export {
  type Caller,
  type CallerOptions,
  callerFromContext,
  type MachineCaller,
  machineCallerFromContext,
} from '../functions/lib/contract/authorizer-context';
