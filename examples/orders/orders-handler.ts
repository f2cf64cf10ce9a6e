import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/**
 * The orders service's one function. The auth service's authorizer has already checked the
 * token and the caller's roles for this route; its context says who the caller is.
 */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const caller = event.requestContext.authorizer ?? {};
  const body = { route: `${event.httpMethod} ${event.resource}`, caller: { sub: caller.sub, username: caller.username } };
  return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}
