import { SERVICE_NAME } from '../contract/telemetry';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoHttp } from '../stores/dynamodb-http';
import { createSignedDocumentClient, type DocumentSender } from '../stores/signed-document-client';
import { roleCredentials } from './role-credentials';

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

/**
 * The stores' client in the functions: the document client's commands, each sent as one
 * SigV4-signed POST (`stores/signed-document-client.ts`), about half the SDK's CPU per call.
 * With tracing on, the SDK's client, which X-Ray instruments. Credentials and region as Lambda
 * gives them (its environment), unless given.
 */
export function createStoreClient({ endpoint, region, credentials }: DocumentClientOptions = {}): DocumentSender {
  if (process.env.AUTH_TRACING === 'true') return createDocumentClient({ endpoint, region, credentials });
  const http = createDynamoHttp({
    endpoint,
    region: region ?? process.env.AWS_REGION ?? 'us-east-1',
    credentials: credentials ?? roleCredentials,
  });
  return createSignedDocumentClient(http);
}
