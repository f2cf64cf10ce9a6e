import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { callerFromContext } from 'aws-auth-service/caller';

/**
 * The orders service's one function. The auth service's authorizer has already checked the
 * token and the caller's roles for this route; its context says who the caller is, and the
 * package's helper refuses a cached answer that outlived its token.
 */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const { caller, error } = callerFromContext(event.requestContext.authorizer);
  if (!caller) {
    return {
      statusCode: 401,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ error: 'invalid_token', error_description: error }),
    };
  }
  const body = { route: `${event.httpMethod} ${event.resource}`, caller: { sub: caller.sub, username: caller.username } };
  return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}
