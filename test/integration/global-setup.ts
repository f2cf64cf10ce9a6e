import { JavaMissingError, startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';

/** Starts one DynamoDB Local for the integration suites; each suite makes its own tables. */
export default async function globalSetup(): Promise<void> {
  let ddb: DynamoDbLocal;
  try {
    ddb = await startDynamoDbLocal();
  } catch (err) {
    if (err instanceof JavaMissingError) {
      process.stderr.write(`\n${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  process.env.TEST_DYNAMODB_ENDPOINT = ddb.endpoint;
  (globalThis as { __ddb?: DynamoDbLocal }).__ddb = ddb;
}
