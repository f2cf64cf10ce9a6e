import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../domain/errors';

/** Options of every store: a client and a table name, never the environment. */
export interface StoreOptions {
  readonly client: DynamoDBDocumentClient;
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
]);

// Duck-typed, not `instanceof Error`: socket errors come from Node's own realm, which is not
// the caller's in every runtime (Jest's VM contexts, for one).
type SdkError = { name?: unknown; $metadata?: { httpStatusCode?: number } };
const asSdkError = (err: unknown): SdkError => (typeof err === 'object' && err !== null ? (err as SdkError) : {});

/** Is this the SDK telling us DynamoDB is down, slow or throttling (not that our request was wrong)? */
export function isUnavailable(err: unknown): boolean {
  const { name, $metadata } = asSdkError(err);
  if (UNAVAILABLE.has(String(name))) return true;
  // The SDK stamps $metadata on every error of a request. No HTTP status in it means DynamoDB
  // never answered: the connection was refused, reset or timed out.
  return $metadata !== undefined && ($metadata.httpStatusCode === undefined || $metadata.httpStatusCode >= 500);
}

/** Rethrows an SDK error as `ServiceUnavailableError` when DynamoDB is unavailable, else as it is. */
export function rethrowDynamoError(err: unknown): never {
  throw isUnavailable(err) ? new ServiceUnavailableError({ cause: err }) : err;
}

/** True for the SDK's failed-condition error. */
export const isConditionFailed = (err: unknown): boolean => asSdkError(err).name === 'ConditionalCheckFailedException';
