/**
 * The one grammar of an OAuth scope, wherever a scope enters: client registrations, token
 * requests, routes and CDK props. RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ),
 * so no space (scopes are space-delimited) and no `"` or `\`; at most 128 characters here.
 */
export const SCOPE_PATTERN = '^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,128}$';
const SCOPE = new RegExp(SCOPE_PATTERN);

/** Is this a valid scope? */
export const isScope = (value: unknown): value is string => typeof value === 'string' && SCOPE.test(value);
