import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDocumentClient } from '../../functions/lib/wiring/dynamo-client';

describe('the DynamoDB client', () => {
  it("takes the profile's region when AWS_REGION is not set, as the SDK does (the admin CLI outside us-east-1)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aws-config-'));
    writeFileSync(join(dir, 'config'), '[profile team]\nregion = eu-central-2\n');
    const saved = { ...process.env };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    Object.assign(process.env, { AWS_CONFIG_FILE: join(dir, 'config'), AWS_PROFILE: 'team' });
    try {
      const client = createDocumentClient();
      expect(await client.config.region()).toBe('eu-central-2');
      client.destroy();
    } finally {
      process.env = saved;
    }
  });
});

describe('the DynamoDB client: retries and timeouts', () => {
  it('makes 3 attempts, gives up on a connection after 1 s and on an answer after 3 s: within the 10 s of an API function', async () => {
    const client = createDocumentClient({ endpoint: 'http://127.0.0.1:9', region: 'local' });
    const config = client.config as unknown as {
      maxAttempts: () => Promise<number>;
      requestHandler: { configProvider: Promise<{ connectionTimeout: number; requestTimeout: number }> };
    };
    expect(await config.maxAttempts()).toBe(3);
    expect(await config.requestHandler.configProvider).toMatchObject({ connectionTimeout: 1_000, requestTimeout: 3_000 });
    // Worst case: 3 attempts of 1 s + 3 s, and the SDK's backoff between them, well under 10 s.
    client.destroy();
  });
});
