import { ServiceUnavailableError } from '../domain/errors';
import type { RequestMeta } from '../domain/request-meta';
import type { CoreDeps } from './deps';

/**
 * The counters' writes after a proof (a password, a client's secret) fail open: a counter left
 * standing only expires with its window (a later failure may wait a little longer), and a source
 * left untrusted only means one more new-sign-in notice. Refusing the sign-in for them would
 * trade availability for nothing. The reads before the check, and the count of a failure, fail
 * closed (ASVS 6.3.1): ARCHITECTURE.md "When DynamoDB fails" lists every counter and its side.
 */
export async function failOpen(write: Promise<void>, meta: RequestMeta, deps: Pick<CoreDeps, 'logger'>): Promise<void> {
  try {
    await write;
  } catch (err) {
    if (!(err instanceof ServiceUnavailableError)) throw err;
    deps.logger.warn('counter_write_skipped', { event: 'counter_write_skipped', requestId: meta.requestId });
  }
}
