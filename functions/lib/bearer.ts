/**
 * The bearer token of a request, read one way by the authorizer, validate and every handler.
 * Plain code with no imports: it sits on the authorizer's hot path.
 */

type Headers = Readonly<Record<string, string | undefined>> | null | undefined;
type MultiValueHeaders = Readonly<Record<string, readonly string[] | undefined>> | null | undefined;

// RFC 6750 §2.1: "Bearer" (any case, RFC 7235 §2.1), one or more spaces, a b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Every value of the Authorization header, whatever the case of its name. API Gateway keeps each
 * repeated header in `multiValueHeaders`; `headers` holds only one of them.
 */
export function authorizationValues(headers: Headers, multiValueHeaders?: MultiValueHeaders): string[] {
  const values: string[] = [];
  if (multiValueHeaders) {
    for (const [name, list] of Object.entries(multiValueHeaders)) {
      if (name.length === 13 && name.toLowerCase() === 'authorization' && list) values.push(...list);
    }
    if (values.length > 0) return values;
  }
  if (headers) {
    for (const [name, value] of Object.entries(headers)) {
      if (name.length === 13 && name.toLowerCase() === 'authorization' && typeof value === 'string') values.push(value);
    }
  }
  return values;
}

/**
 * The token of the one `Authorization: Bearer <token>` header, or undefined: no header, another
 * scheme, a malformed token, or more than one Authorization header (which could make the
 * gateway's cache key and the verified token disagree, so it is never honoured).
 */
export function bearerToken(headers: Headers, multiValueHeaders?: MultiValueHeaders): string | undefined {
  const values = authorizationValues(headers, multiValueHeaders);
  if (values.length !== 1) return undefined;
  return BEARER.exec(values[0] as string)?.[1];
}
