import { SERVICE_NAME } from '../contract/telemetry';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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
    // Unset, the SDK resolves it as always: AWS_REGION (Lambda sets it), then the profile's region.
    ...(region && { region }),
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  });
  // X-Ray through Powertools Tracer, when the stack turns tracing on. A build-time flag: the
  // literal `process.env.AUTH_TRACING` is what esbuild's `define` replaces, so bundles built
  // without it ("false", the default) drop this branch and the X-Ray SDK.
  if (process.env.AUTH_TRACING === 'true') {
    const { Tracer } = require('@aws-lambda-powertools/tracer') as typeof import('@aws-lambda-powertools/tracer');
    new Tracer({ serviceName: SERVICE_NAME }).captureAWSv3Client(client);
  }
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
