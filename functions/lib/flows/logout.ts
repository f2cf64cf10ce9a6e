import { epochSeconds } from '../domain/clock';
import type { CoreDeps } from './deps';
import { requestFields, type RequestMeta } from '../domain/request-meta';

/**
 * Ends the session a refresh token belongs to. An unknown, malformed or already revoked token
 * is not an error (RFC 7009 §2.2): the caller's goal, a dead token, holds either way.
 */
export async function logout(refreshToken: string, meta: RequestMeta, deps: CoreDeps): Promise<void> {
  const id = deps.refreshTokens.parse(refreshToken);
  if (!id) return;
  const userId = await deps.sessions.revokeSession(id.sid, epochSeconds(deps.now), 'logout');
  if (userId !== undefined) {
    await deps.audit.record('logout', {
      ...requestFields(meta),
      userId,
      sid: id.sid,
    });
  }
}
