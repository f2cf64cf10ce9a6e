import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ForbiddenError } from '../domain/errors';
import { header } from './request';

/**
 * The refresh token's cookie. `__Secure-` makes browsers refuse it without `Secure`; `HttpOnly`
 * hides it from page scripts (XSS cannot read it); `SameSite=Strict` keeps other sites from
 * sending it; the path limits it to the auth routes.
 */
export const REFRESH_COOKIE = '__Secure-auth-refresh';

/** The auth routes' path under the issuer (which may include an API Gateway stage). */
export const cookiePath = (issuer: string): string => `${new URL(issuer).pathname.replace(/\/$/, '')}/api/auth`;

/** A Set-Cookie value that stores the refresh token. */
export const refreshCookie = (token: string, path: string, maxAgeSeconds: number): string =>
  `${REFRESH_COOKIE}=${token}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Strict`;

/** A Set-Cookie value that removes it. */
export const clearedRefreshCookie = (path: string): string =>
  `${REFRESH_COOKIE}=; Path=${path}; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;

/** The refresh token from the request's cookies, if any. */
export function refreshTokenFromCookie(event: APIGatewayProxyEvent): string | undefined {
  const cookies = header(event.headers, 'cookie');
  if (!cookies) return undefined;
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === REFRESH_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * A request that acts with the cookie must come from a page we trust (OWASP CSRF Prevention
 * Cheat Sheet: verify the Origin header; with no Origin, require a custom header, which a
 * cross-site form cannot send). SameSite=Strict already keeps other sites' requests cookieless;
 * this is the second line.
 */
export function checkOrigin(event: APIGatewayProxyEvent, issuer: string, allowedOrigins: readonly string[]): void {
  const origin = header(event.headers, 'origin');
  if (origin !== undefined) {
    if (origin === new URL(issuer).origin || allowedOrigins.includes(origin)) return;
    throw new ForbiddenError('cross-site request refused');
  }
  if (header(event.headers, 'x-requested-with') === undefined) throw new ForbiddenError('cross-site request refused');
}
