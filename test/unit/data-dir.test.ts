import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dataPaths, fileKeyStore, loadOrCreateDynamoDbCredentials, loadOrCreateSecrets } from '../../local/data-dir';
import { rotateKeys } from '../../functions/lib/tokens/key-rotation';
import { parseSecrets } from '../../functions/lib/tokens/secrets';
import { tempDataDir } from '../helpers/local-runtime';

describe("the data directory's DynamoDB Local key", () => {
  it('is generated once, alphanumeric, mode 0600, and read back the same', async () => {
    const dir = await tempDataDir();
    await mkdir(dataPaths(dir).dynamodb, { recursive: true });
    const first = await loadOrCreateDynamoDbCredentials(dir);
    expect(first.accessKeyId).toMatch(/^[0-9a-f]{32}$/);
    expect((await stat(dataPaths(dir).dynamodbCredentials)).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateDynamoDbCredentials(dir)).toEqual(first);
  });

  it('takes over the database of a directory from before per-key databases, so no data is lost', async () => {
    const dir = await tempDataDir();
    await mkdir(dataPaths(dir).dynamodb, { recursive: true });
    await writeFile(join(dataPaths(dir).dynamodb, 'shared-local-instance.db'), 'the old tables');
    const { accessKeyId } = await loadOrCreateDynamoDbCredentials(dir);
    expect(await readdir(dataPaths(dir).dynamodb)).toEqual([`${accessKeyId}_local.db`]);
  });
});

describe("the data directory's secrets file as a key store", () => {
  it('publishes what it holds, so a rotation publishes a key and, after the lead, promotes it', async () => {
    const path = dataPaths(await tempDataDir()).secrets;
    const { secrets } = await loadOrCreateSecrets(path);
    const store = fileKeyStore(path);
    expect((await store.readPublicJwks())?.keys.map((k) => k.kid)).toEqual([secrets.signingKid]);
    const policy = { rotationIntervalSeconds: 0, publishLeadSeconds: 6, retireAfterSeconds: 3600 };
    const now = Math.floor(Date.now() / 1000) + 1;
    const published = await rotateKeys(store, now, policy);
    expect(published.action).toBe('published');
    // Before the lead is over, nothing changes; after it, the new key signs.
    expect((await rotateKeys(store, now + 5, policy)).action).toBe('none');
    expect(await rotateKeys(store, now + 6, policy)).toMatchObject({ action: 'promoted', kid: published.kid });
    expect(parseSecrets((await store.readSecrets()) as string).signingKid).toBe(published.kid);
  });
});
