/**
 * The bearer token of a request, read one way by the authorizer, validate and every handler.
 * Plain code with no imports: it sits on the authorizer's hot path.
 */

type Headers = Readonly<Record<string, string | undefined>> | null | undefined;
type MultiValueHeaders = Readonly<Record<string, readonly string[] | undefined>> | null | undefined;

/**
 * Every value of the Authorization header, whatever the case of its name. API Gateway keeps each
 * repeated header in `multiValueHeaders`; `headers` holds only one of them.
 */
export function authorizationValues(headers: Headers, multiValueHeaders?: MultiValueHeaders): string[] {
  const values: string[] = [];
  if (multiValueHeaders) {
    for (const name in multiValueHeaders) {
      const list = multiValueHeaders[name];
      if (name.length === 13 && list && name.toLowerCase() === 'authorization') values.push(...list);
    }
    if (values.length > 0) return values;
  }
  if (headers) {
    for (const name in headers) {
      const value = headers[name];
      if (name.length === 13 && typeof value === 'string' && name.toLowerCase() === 'authorization') values.push(value);
    }
  }
  return values;
}

/**
 * The token of the one `Authorization: Bearer <token>` header (RFC 6750 §2.1; the scheme in any
 * case, RFC 7235 §2.1), or undefined: no header, another scheme, an empty or spaced token, or
 * more than one Authorization header (which could make the gateway's cache key and the verified
 * token disagree, so it is never honoured). Its characters are left to the verifier, which
 * refuses anything that is not a JWS in base64url.
 */
export function bearerToken(headers: Headers, multiValueHeaders?: MultiValueHeaders): string | undefined {
  const values = authorizationValues(headers, multiValueHeaders);
  const value = values.length === 1 ? (values[0] as string) : '';
  if (value.length < 8 || value.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = value.slice(7).trim();
  return token === '' || token.includes(' ') ? undefined : token;
}
