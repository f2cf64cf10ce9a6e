import { constants } from 'node:fs';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyStore } from '../functions/lib/tokens/key-rotation';
import { toPublicJwks } from '../functions/lib/tokens/key-source';
import { generateSecrets, parseSecrets, serializeSecrets, type AuthSecrets } from '../functions/lib/tokens/secrets';
import { DYNAMODB_LOCAL_REGION, randomDynamoDbCredentials, type DynamoDbLocalCredentials } from './dynamodb-local';

/** The data directory cannot be created or written; the message says which and why. */
export class DataDirError extends Error {
  override name = 'DataDirError';
}

/** Files of the local runtime inside its data directory. */
export const dataPaths = (dir: string) => ({
  dynamodb: join(dir, 'dynamodb'),
  secrets: join(dir, 'secrets.json'),
  dynamodbCredentials: join(dir, 'dynamodb-credentials.json'),
  runtime: join(dir, 'runtime.json'),
});

/** Creates the data directory (0700) if needed and checks it can be written. */
export async function prepareDataDir(dir: string): Promise<void> {
  try {
    await mkdir(dataPaths(dir).dynamodb, { recursive: true, mode: 0o700 });
    await access(dir, constants.W_OK);
    await access(dataPaths(dir).dynamodb, constants.W_OK);
  } catch (err) {
    throw new DataDirError(
      `cannot write the data directory ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'}): set AUTH_DATA_DIR to a writable directory, or pass --in-memory`,
    );
  }
}

/**
 * The secrets of this data directory: read if present, otherwise generated once (one RS256
 * key and a 256-bit pepper) and written with mode 0600, never overwriting a file that exists.
 */
export async function loadOrCreateSecrets(path: string): Promise<{ secrets: AuthSecrets; created: boolean }> {
  try {
    return { secrets: parseSecrets(await readFile(path, 'utf8')), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new DataDirError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const secrets = await generateSecrets();
  try {
    await writeFile(path, serializeSecrets(secrets), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process created it first: use theirs, so both agree.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecrets(path);
    throw new DataDirError(`cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return { secrets, created: true };
}

/**
 * The access key whose DynamoDB Local database holds this directory's data: read if present,
 * otherwise generated once and written with mode 0600 (the CLI reads it too). A directory from
 * before per-key databases keeps its data: the shared database file becomes this key's.
 */
export async function loadOrCreateDynamoDbCredentials(dir: string): Promise<DynamoDbLocalCredentials> {
  const path = dataPaths(dir).dynamodbCredentials;
  try {
    const stored = JSON.parse(await readFile(path, 'utf8')) as Partial<DynamoDbLocalCredentials>;
    if (
      typeof stored.accessKeyId !== 'string' ||
      !/^[A-Za-z0-9]+$/.test(stored.accessKeyId) ||
      typeof stored.secretAccessKey !== 'string'
    ) {
      throw new DataDirError(`${path} is malformed: delete it to start a new, empty database`);
    }
    return { accessKeyId: stored.accessKeyId, secretAccessKey: stored.secretAccessKey };
  } catch (err) {
    if (err instanceof DataDirError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new DataDirError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const credentials = randomDynamoDbCredentials();
  try {
    await writeFile(path, JSON.stringify(credentials), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateDynamoDbCredentials(dir);
    throw new DataDirError(`cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const shared = join(dataPaths(dir).dynamodb, 'shared-local-instance.db');
  await rename(shared, join(dataPaths(dir).dynamodb, `${credentials.accessKeyId}_${DYNAMODB_LOCAL_REGION}.db`)).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  });
  return credentials;
}

/**
 * The local runtime's secrets file as a key store, for the CLI's key commands and the soak's
 * rotation. Its verifiers derive the public set from this file: that is the published set, and
 * there is no separate one to write.
 */
export function fileKeyStore(path: string): KeyStore {
  const readSecrets = async () => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  };
  return {
    readSecrets,
    writeSecrets: async (document) => {
      // Write beside it and rename: a reader never sees half a file.
      const temp = `${path}.${process.pid}.tmp`;
      await writeFile(temp, document, { mode: 0o600 });
      await rename(temp, path);
    },
    readPublicJwks: async () => {
      const document = await readSecrets();
      return document === undefined ? undefined : toPublicJwks(parseSecrets(document).signingKeys);
    },
    writePublicJwks: async () => undefined,
  };
}

/** What a running `npm start` tells the admin CLI: where its DynamoDB Local answers. */
export interface RuntimeInfo {
  readonly pid: number;
  readonly dynamodbEndpoint: string;
  readonly baseUrl: string;
}

export async function writeRuntimeInfo(dir: string, info: RuntimeInfo): Promise<void> {
  await writeFile(dataPaths(dir).runtime, JSON.stringify(info), { mode: 0o600 });
}

export async function readRuntimeInfo(dir: string): Promise<RuntimeInfo | undefined> {
  try {
    return JSON.parse(await readFile(dataPaths(dir).runtime, 'utf8')) as RuntimeInfo;
  } catch {
    return undefined;
  }
}

export async function removeRuntimeInfo(dir: string): Promise<void> {
  await rm(dataPaths(dir).runtime, { force: true });
}
