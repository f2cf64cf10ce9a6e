import { BatchGetCommand, type BatchGetCommandInput, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { DocumentSender } from './signed-document-client';
import { ServiceUnavailableError } from '../domain/errors';

/** Options of every store: a client and a table name, never the environment. */
export interface StoreOptions {
  readonly client: DocumentSender;
  readonly tableName: string;
}

const UNAVAILABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  // Another writer held the item for the moment (a transaction, a global table's replica): try again.
  'TransactionConflictException',
  'ReplicatedWriteConflictException',
]);

/** Why a transaction may be cancelled that says nothing of the request itself: a retry may pass. */
const TRANSIENT_CANCELLATIONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

// Duck-typed, not `instanceof Error`: socket errors come from Node's own realm, which is not
// the caller's in every runtime (Jest's VM contexts, for one).
type SdkError = { name?: unknown; $metadata?: { httpStatusCode?: number } };
const asSdkError = (err: unknown): SdkError => (typeof err === 'object' && err !== null ? (err as SdkError) : {});

/** Is this the SDK telling us DynamoDB is down, slow or throttling (not that our request was wrong)? */
export function isUnavailable(err: unknown): boolean {
  const { name, $metadata } = asSdkError(err);
  if (UNAVAILABLE.has(String(name))) return true;
  // A cancelled transaction is transient when every reason given is (the stores have already
  // turned a failed condition into its own answer).
  if (name === 'TransactionCanceledException') {
    const codes = (cancellationReasons(err) ?? []).map((r) => r.Code ?? 'None');
    return codes.some((c) => TRANSIENT_CANCELLATIONS.has(c)) && codes.every((c) => c === 'None' || TRANSIENT_CANCELLATIONS.has(c));
  }
  // The SDK stamps $metadata on every error of a request. No HTTP status in it means DynamoDB
  // never answered: the connection was refused, reset or timed out.
  return $metadata !== undefined && ($metadata.httpStatusCode === undefined || $metadata.httpStatusCode >= 500);
}

/** Rethrows an SDK error as `ServiceUnavailableError` when DynamoDB is unavailable, else as it is. */
export function rethrowDynamoError(err: unknown): never {
  throw isUnavailable(err) ? new ServiceUnavailableError({ cause: err }) : err;
}

/** Why a transaction was cancelled, item by item (`ConditionalCheckFailed`, `None`, ...); undefined for any other error. */
export const cancellationReasons = (err: unknown): { Code?: string }[] | undefined =>
  (err as { CancellationReasons?: { Code?: string }[] } | null)?.CancellationReasons;

/** True for the SDK's failed-condition error. */
export const isConditionFailed = (err: unknown): boolean => asSdkError(err).name === 'ConditionalCheckFailedException';

type BatchRequest = NonNullable<BatchGetCommandInput['RequestItems']>;

/**
 * A BatchGetItem that reads every key or fails: DynamoDB may leave keys unprocessed (throttling,
 * size), and a key it did not read is not an absent item. Unprocessed keys are retried with a
 * short backoff; still unprocessed after `attempts`, the read fails as unavailable (503),
 * never as "not found" (which would fail a throttle open, or cache a spurious revocation).
 */
export async function batchGetAll(
  client: DocumentSender,
  requestItems: BatchRequest,
  attempts = 3,
): Promise<Record<string, Record<string, unknown>[]>> {
  const found: Record<string, Record<string, unknown>[]> = {};
  let pending: BatchRequest | undefined = requestItems;
  for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
    if (attempt === attempts) throw new ServiceUnavailableError();
    if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt * Math.random()));
    const request: BatchRequest = pending;
    const answer: BatchGetCommandOutput = await client
      .send(new BatchGetCommand({ RequestItems: request }))
      .catch((err: unknown) => rethrowDynamoError(err));
    for (const [table, items] of Object.entries(answer.Responses ?? {})) {
      found[table] ??= [];
      found[table].push(...items);
    }
    pending = answer.UnprocessedKeys;
  }
  return found;
}
