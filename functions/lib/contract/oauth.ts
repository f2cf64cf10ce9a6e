/** What the OAuth endpoints support: the token endpoint checks these, and the metadata publishes them. */

/** RFC 6749 §2.3.1: HTTP Basic, which every client library supports, and the form; RFC 7523 §2.2: a signed assertion. */
export const CLIENT_AUTH_METHODS_SUPPORTED = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;

/** The algorithms a `private_key_jwt` assertion may be signed with. */
export const ASSERTION_ALGORITHMS_SUPPORTED = ['RS256', 'ES256'] as const;

/** RFC 6749 §4.4, and RFC 8693 token exchange. */
export const GRANT_TYPES_SUPPORTED = ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'] as const;
