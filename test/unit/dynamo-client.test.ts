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
