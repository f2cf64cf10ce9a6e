import { BatchGetCommand, type BatchGetCommandInput } from '@aws-sdk/lib-dynamodb';
import { RETRYABLE_ERRORS, readEveryKey } from './dynamo-reads';
import type { DocumentSender } from './signed-document-client';
import { ServiceUnavailableError } from '../domain/errors';

/** Options of every store: a client and a table name, never the environment. */
export interface StoreOptions {
  readonly client: DocumentSender;
  readonly tableName: string;
}

/** What the stores answer 503 for: DynamoDB's retryable errors, and the SDK's own timeouts. */
const UNAVAILABLE = new Set([...RETRYABLE_ERRORS, 'TimeoutError', 'RequestTimeout']);

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

/** A BatchGetItem through the document client that reads every key or fails (`readEveryKey`). */
export function batchGetAll(
  client: DocumentSender,
  requestItems: BatchRequest,
  attempts = 3,
): Promise<Record<string, Record<string, unknown>[]>> {
  return readEveryKey(
    requestItems,
    (request) =>
      client.send(new BatchGetCommand({ RequestItems: request as BatchRequest })).catch((err: unknown) => rethrowDynamoError(err)),
    attempts,
  );
}
