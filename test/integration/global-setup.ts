import { DYNAMODB_LOCAL_REGION, JavaMissingError, startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';

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
  // Suites reach its one database with its credentials, from the environment as Lambda would.
  process.env.AWS_ACCESS_KEY_ID = ddb.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = ddb.credentials.secretAccessKey;
  process.env.AWS_REGION = DYNAMODB_LOCAL_REGION;
  (globalThis as { __ddb?: DynamoDbLocal }).__ddb = ddb;
}
