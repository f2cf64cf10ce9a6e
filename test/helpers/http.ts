import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { HttpHandler } from '../../functions/lib/http/handler';

/** A handler's answer, with the body parsed. */
export interface Answer {
  status: number;
  headers: Record<string, string | number | boolean>;
  body: Record<string, unknown>;
}

/** Invokes a proxy handler as API Gateway would and parses the JSON body. */
export async function invoke(handler: HttpHandler, event: APIGatewayProxyEvent): Promise<Answer> {
  const result: APIGatewayProxyResult = await handler(event);
  return {
    status: result.statusCode,
    headers: (result.headers ?? {}) as Answer['headers'],
    body: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {},
  };
}
