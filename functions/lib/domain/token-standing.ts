import type { RevocationState } from './ports';

/** Why a valid token is no longer honoured. */
export type RevocationReason =
  | 'session_unknown'
  | 'session_revoked'
  | 'user_unknown'
  | 'user_disabled'
  | 'tokens_revoked'
  | 'client_unknown'
  | 'client_disabled';

/**
 * Where a valid token stands: revoked, or honoured with the roles it may still use. Those are
 * the token's roles that the user still holds, so removing a role takes it from every token
 * already issued, within the same bound as a revocation, while the session lives on (its next
 * refresh carries the new roles).
 */
export type Standing =
  | { readonly revoked: RevocationReason; readonly roles?: undefined }
  | { readonly revoked?: undefined; readonly roles: readonly string[] };

/**
 * The rule for a user's token (ASVS 7.4.1: logout and revocation take effect): its session and
 * user exist and are active, and the user has not ended their tokens since it was issued. The
 * authorizer applies it through its cache, introspection on fresh reads.
 */
export function userTokenStanding(
  claims: { readonly sub: string; readonly iat: number; readonly roles: readonly string[] },
  { session, user }: RevocationState,
): Standing {
  if (!session || session.userId !== claims.sub) return { revoked: 'session_unknown' };
  if (session.status !== 'active') return { revoked: 'session_revoked' };
  if (!user || user.userId !== claims.sub) return { revoked: 'user_unknown' };
  if (user.status !== 'active') return { revoked: 'user_disabled' };
  if ((user.tokensValidAfter ?? 0) > claims.iat) return { revoked: 'tokens_revoked' };
  const held = user.roles ?? [];
  return { roles: claims.roles.filter((r) => held.includes(r)) };
}

/** The rule for a machine client's token: its client exists, is active, and has not ended its tokens since. */
export function clientTokenStanding(
  claims: { readonly iat: number },
  client: { readonly status: string; readonly tokensValidAfter?: number | undefined } | undefined,
): { readonly revoked?: RevocationReason } {
  if (!client) return { revoked: 'client_unknown' };
  if (client.status !== 'active') return { revoked: 'client_disabled' };
  if ((client.tokensValidAfter ?? 0) > claims.iat) return { revoked: 'tokens_revoked' };
  return {};
}
