import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../domain/errors';

/** Options of the document client. */
export interface DocumentClientOptions {
  /** A DynamoDB endpoint other than AWS's, such as DynamoDB Local. */
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  /** @default the SDK's provider chain (in Lambda, the function's role; locally, AWS_ACCESS_KEY_ID) */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
}

/**
 * A document client with short timeouts: an auth call that waits on a dead connection for the
 * SDK's default of minutes holds the user's request hostage, so we fail fast and answer 503.
 */
export function createDocumentClient({ endpoint, region, credentials }: DocumentClientOptions = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    ...(endpoint && { endpoint }),
    ...(credentials && { credentials }),
    region: region ?? process.env.AWS_REGION ?? 'us-east-1',
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  });
  // X-Ray through Powertools Tracer, when the stack turns tracing on. Bundles built without
  // it (AUTH_TRACING defined as "false", the default) drop this branch and the X-Ray SDK.
  if (process.env.AUTH_TRACING === 'true') {
    const { Tracer } = require('@aws-lambda-powertools/tracer') as typeof import('@aws-lambda-powertools/tracer');
    new Tracer({ serviceName: 'auth' }).captureAWSv3Client(client);
  }
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
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
