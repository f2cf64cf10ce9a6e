import type { APIGatewayProxyEvent } from 'aws-lambda';
import { checkOrigin, clearedRefreshCookie, cookiePath, refreshCookie, refreshTokenFromCookie } from './cookies';
import { readBody } from './request';
import { REQUEST_BODIES } from '../contract/schemas';
import type { TokenPair } from '../domain/sessions';

/** How browsers get the refresh token, and which origins may use it (the flows' `web` settings). */
export interface Web {
  readonly tokenDelivery: 'body' | 'cookie' | 'both';
  readonly allowedOrigins: readonly string[];
  readonly issuer: string;
}

/** The refresh token a request presents: from the cookie (checked for CSRF) when the body has none. */
export function presentedRefreshToken(event: APIGatewayProxyEvent, web: Web): string {
  if (web.tokenDelivery !== 'body') {
    const cookie = refreshTokenFromCookie(event);
    const bodyless = !event.body || ['', '{}'].includes(event.body.trim());
    if (cookie !== undefined && bodyless) {
      checkOrigin(event, web.issuer, web.allowedOrigins);
      return cookie;
    }
  }
  return readBody(event, REQUEST_BODIES.refresh).refresh_token;
}

/** A token pair as the configured delivery wants it: body, HttpOnly cookie, or both. */
export function deliverPair(
  pair: TokenPair,
  deps: { readonly web: Web; readonly sessionTtlSeconds: number },
): { body: Partial<TokenPair>; headers: Record<string, string> } {
  const { tokenDelivery, issuer } = deps.web;
  const { refresh_token, ...rest } = pair;
  return {
    body: tokenDelivery === 'cookie' ? rest : pair,
    headers: tokenDelivery === 'body' ? {} : { 'Set-Cookie': refreshCookie(refresh_token, cookiePath(issuer), deps.sessionTtlSeconds) },
  };
}

/** Headers that remove the cookie (after logout), where cookies are in use. */
export const clearCookieHeaders = (web: Web): Record<string, string> =>
  web.tokenDelivery === 'body' ? {} : { 'Set-Cookie': clearedRefreshCookie(cookiePath(web.issuer)) };
