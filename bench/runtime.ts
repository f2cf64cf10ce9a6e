/**
 * `npm start` beside the bench's own work on one in-memory DynamoDB Local: the runtime reaches
 * its database with its data directory's key, the bench its own with another key (DynamoDB
 * Local keeps one database per access key), so neither sees the other's items and one Java
 * process serves both.
 */
import { loadOrCreateDynamoDbCredentials, prepareDataDir } from '../local/data-dir';
import { type DynamoDbLocal, type DynamoDbLocalCredentials, randomDynamoDbCredentials, startDynamoDbLocal } from '../local/dynamodb-local';
import { type LocalRuntime, startLocalRuntime, tempDataDir } from '../test/helpers/local-runtime';
import { QUICK } from './lib';

type BenchDynamoDb = Pick<DynamoDbLocal, 'endpoint' | 'credentials' | 'stop'>;
let shared: Promise<DynamoDbLocal> | undefined;

/**
 * An in-memory DynamoDB Local for one section: its own Java process in a full run, so no section
 * measures another's leftovers; in a quick run, one process that every section shares (each with
 * its own key, so its own database), since starting Java is most of a quick run's CPU.
 */
export async function benchDynamoDb(credentials: DynamoDbLocalCredentials = randomDynamoDbCredentials()): Promise<BenchDynamoDb> {
  if (!QUICK) return startDynamoDbLocal({ credentials });
  shared ??= startDynamoDbLocal();
  const { endpoint } = await shared;
  return { endpoint, credentials, stop: async () => undefined };
}

/** Stops the quick run's shared DynamoDB Local, if one was started. */
export async function stopSharedDynamoDb(): Promise<void> {
  if (shared) await (await shared).stop();
}

export interface RuntimeBesideBench {
  readonly rt: LocalRuntime;
  /** The bench's own database on the same DynamoDB Local. */
  readonly endpoint: string;
  readonly credentials: DynamoDbLocalCredentials;
  stop(): Promise<void>;
}

export async function runtimeBesideBench(env: Record<string, string> = {}): Promise<RuntimeBesideBench> {
  const dataDir = await tempDataDir();
  await prepareDataDir(dataDir);
  const ddb = await benchDynamoDb(await loadOrCreateDynamoDbCredentials(dataDir));
  try {
    const rt = await startLocalRuntime({ dataDir, env: { AUTH_LOCAL_DYNAMODB: ddb.endpoint, ...env } });
    return {
      rt,
      endpoint: ddb.endpoint,
      credentials: randomDynamoDbCredentials(),
      stop: async () => {
        await rt.stop();
        await ddb.stop();
      },
    };
  } catch (err) {
    await ddb.stop();
    throw err;
  }
}
