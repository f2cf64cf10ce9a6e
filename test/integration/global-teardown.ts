import type { DynamoDbLocal } from '../../local/dynamodb-local';

/** Stops DynamoDB Local. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __ddb?: DynamoDbLocal }).__ddb?.stop();
}
