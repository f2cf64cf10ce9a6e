import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dataPaths, loadOrCreateDynamoDbCredentials } from '../../local/data-dir';
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
