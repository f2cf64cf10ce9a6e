import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteParameterCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { createHandler as createKeySetup } from '../../functions/key-setup';
import { createHandler as createRotation } from '../../functions/rotate-keys';
import { PLACEHOLDER_TEMPLATE } from '../../functions/lib/contract/secret-placeholder';
import { awsKeyStore } from '../../functions/lib/stores/aws-key-store';
import { MalformedSecretsError } from '../../functions/lib/tokens/key-rotation';
import { parseSecrets } from '../../functions/lib/tokens/secrets';
import { freePort } from '../../local/dynamodb-local';
import { encodeRouteList } from '../../functions/lib/contract/route-list';
import { sdkParameterSource, sdkSecretSource } from '../../functions/lib/stores/sdk-documents';
import { createAccessTokens } from '../../functions/lib/tokens/access-tokens';
import { CachedKeySource } from '../../functions/lib/tokens/cached-key-source';
import { toPublicJwks } from '../../functions/lib/tokens/key-source';
import { generateSecrets } from '../../functions/lib/tokens/secrets';
import { ENV } from '../../functions/lib/wiring/config';
import { BUNDLE_SETTINGS } from '../../infra/bundling';
import { lambdaEnv } from '../helpers/lambda-env';
import { manualClock, recordingLogger } from '../helpers/harness';

/**
 * The key set-up custom resource and the scheduled rotation against Secrets Manager and SSM as
 * moto 5 serves them (their real API semantics: version stages, error codes), on loopback. The
 * in-memory tests in test/unit/key-rotation.test.ts keep the rules.
 */
const hasMoto = spawnSync('python3', ['-c', 'import moto.server'], { encoding: 'utf8' }).status === 0;
if (!hasMoto) process.stdout.write('\nmoto is not installed (pip install "moto[server]"): the Secrets Manager and SSM tests are skipped\n');
const describeWithMoto = hasMoto ? describe : describe.skip;

describeWithMoto('keys on Secrets Manager and SSM (moto)', () => {
  let moto: ChildProcess;
  let secrets: SecretsManagerClient;
  let ssm: SSMClient;
  let endpoint: string;
  const DAY = 86_400;

  beforeAll(async () => {
    const port = await freePort();
    moto = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    endpoint = `http://127.0.0.1:${port}`;
    const config = {
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' },
      maxAttempts: 1,
    };
    secrets = new SecretsManagerClient(config);
    ssm = new SSMClient(config);
    for (let i = 0; ; i++) {
      try {
        await ssm.send(new GetParameterCommand({ Name: '/probe' }));
        break;
      } catch (err) {
        if ((err as { name?: string }).name === 'ParameterNotFound') break;
        if (i > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  afterAll(() => {
    secrets?.destroy();
    ssm?.destroy();
    moto?.kill('SIGKILL');
  });

  const event = (RequestType: 'Create' | 'Update' | 'Delete', SecretId: string, ParameterName: string) =>
    ({ RequestType, ResourceProperties: { SecretId, ParameterName } }) as unknown as CloudFormationCustomResourceEvent;
  const setupFor = (clock = manualClock()) =>
    createKeySetup({
      storeFor: (secretId, parameterName) => awsKeyStore({ secretId, parameterName, secrets, ssm }),
      deleteParameter: async (name) => {
        await ssm.send(new DeleteParameterCommand({ Name: name }));
      },
      now: clock,
      logger: recordingLogger(),
    });
  const current = async (id: string, stage = 'AWSCURRENT') =>
    (await secrets.send(new GetSecretValueCommand({ SecretId: id, VersionStage: stage }))).SecretString as string;
  const published = async (name: string) =>
    JSON.parse((await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value as string) as {
      keys: { kid: string; d?: string }[];
    };

  it('creates, keeps on update and redeploy, and on delete removes only the public set', async () => {
    const { ARN } = await secrets.send(
      new CreateSecretCommand({ Name: 'auth-keys-1', SecretString: JSON.stringify({ ...PLACEHOLDER_TEMPLATE, filler: 'Xy12' }) }),
    );
    const setup = setupFor();
    await setup(event('Create', ARN as string, '/auth/one/public-jwks'));
    const created = parseSecrets(await current(ARN as string));
    expect((await published('/auth/one/public-jwks')).keys.map((k) => k.kid)).toEqual([created.signingKid]);
    expect(JSON.stringify(await published('/auth/one/public-jwks'))).not.toContain('"d"');
    // The placeholder is kept as the previous version: Secrets Manager's own stages.
    expect(JSON.parse(await current(ARN as string, 'AWSPREVIOUS'))).toMatchObject(PLACEHOLDER_TEMPLATE);

    await setup(event('Update', ARN as string, '/auth/one/public-jwks'));
    await setup(event('Create', ARN as string, '/auth/one/public-jwks')); // a redeploy into the same secret
    expect(parseSecrets(await current(ARN as string)).signingKid).toBe(created.signingKid);

    await setup(event('Delete', ARN as string, '/auth/one/public-jwks'));
    await expect(ssm.send(new GetParameterCommand({ Name: '/auth/one/public-jwks' }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
    expect(parseSecrets(await current(ARN as string)).signingKid).toBe(created.signingKid);
  });

  it('fills a secret that has no value yet, and refuses one whose content does not parse, changing nothing', async () => {
    const { ARN: empty } = await secrets.send(new CreateSecretCommand({ Name: 'auth-keys-2' }));
    await setupFor()(event('Create', empty as string, '/auth/two/public-jwks'));
    expect(parseSecrets(await current(empty as string)).peppers).toHaveLength(1);

    const { ARN: broken } = await secrets.send(new CreateSecretCommand({ Name: 'auth-keys-3', SecretString: '{"signingKeys":' }));
    await expect(setupFor()(event('Create', broken as string, '/auth/three/public-jwks'))).rejects.toThrow(MalformedSecretsError);
    expect(await current(broken as string)).toBe('{"signingKeys":');
  });

  it('rotates through a whole cycle: publish, promote a day later, drop the old key once its tokens expired', async () => {
    const { ARN } = await secrets.send(
      new CreateSecretCommand({ Name: 'auth-keys-4', SecretString: JSON.stringify(PLACEHOLDER_TEMPLATE) }),
    );
    const clock = manualClock();
    await setupFor(clock)(event('Create', ARN as string, '/auth/four/public-jwks'));
    const first = parseSecrets(await current(ARN as string)).signingKid;
    const rotate = createRotation({
      store: awsKeyStore({ secretId: ARN as string, parameterName: '/auth/four/public-jwks', secrets, ssm }),
      policy: { rotationIntervalSeconds: 90 * DAY, publishLeadSeconds: 3600, retireAfterSeconds: 1230 },
      now: clock,
      logger: recordingLogger(),
    });
    const actions: string[] = [];
    for (let day = 0; day < 93; day++) {
      clock.advance(DAY);
      const outcome = await rotate();
      if (outcome.action !== 'none' || outcome.dropped.length) actions.push(`${day}:${outcome.action}:${outcome.dropped.length}`);
    }
    expect(actions).toEqual(['89:published:0', '90:promoted:0', '91:none:1']);
    const now = parseSecrets(await current(ARN as string));
    expect(now.signingKid).not.toBe(first);
    expect((await published('/auth/four/public-jwks')).keys.map((k) => k.kid)).toEqual([now.signingKid]);
  });

  it("tells a missing secret from an empty one by Secrets Manager's error code", async () => {
    const store = awsKeyStore({ secretId: 'no-such-secret', parameterName: '/auth/none', secrets, ssm });
    await expect(store.readSecrets()).resolves.toBeUndefined();
    await expect(store.readPublicJwks()).resolves.toBeUndefined();
    await expect(secrets.send(new PutSecretValueCommand({ SecretId: 'no-such-secret', SecretString: 'x' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('reads a secret and a parameter with the SDK, as functions without the extension layer do', async () => {
    const { ARN } = await secrets.send(new CreateSecretCommand({ Name: 'auth-keys-sdk', SecretString: '{"a":1}' }));
    await ssm.send(new PutParameterCommand({ Name: '/auth/sdk/p', Value: 'v', Type: 'String' }));
    expect(await sdkSecretSource(ARN as string, secrets)()).toBe('{"a":1}');
    expect(await sdkParameterSource('/auth/sdk/p', ssm)()).toBe('v');
    await expect(sdkParameterSource('/auth/sdk/missing', ssm)()).rejects.toMatchObject({ name: 'ParameterNotFound' });
  });

  it('runs the production authorizer built for regions without the layer: key set and route list read with the SDK', async () => {
    // Prepare: the key set and this API's route list in SSM, and a token.
    const keys = await generateSecrets();
    const issuer = 'https://auth.example.com';
    await ssm.send(
      new PutParameterCommand({ Name: '/auth/sdk/jwks', Value: JSON.stringify(toPublicJwks(keys.signingKeys)), Type: 'String' }),
    );
    const routes = encodeRouteList([{ method: 'GET', path: '/orders', access: { roles: ['clerk'] } }]);
    await ssm.send(new PutParameterCommand({ Name: '/auth/sdk/routes', Value: routes, Type: 'String' }));
    const tokens = createAccessTokens({
      keys: new CachedKeySource({ load: async () => ({ jwks: keys.signingKeys, signingKid: keys.signingKid }), ttlMs: 60_000 }),
      issuer,
      audience: `${issuer}/api`,
      accessTokenTtlSeconds: 900,
      clockToleranceSeconds: 0,
      now: Date.now,
    });
    const { accessToken } = await tokens.issue({ sub: 'u', username: 'u', roles: ['clerk'], sid: 's' });
    const outfile = join(mkdtempSync(join(tmpdir(), 'auth-sdk-')), 'authorizer.js');
    buildSync({
      ...BUNDLE_SETTINGS,
      mainFields: [...BUNDLE_SETTINGS.mainFields],
      external: [...BUNDLE_SETTINGS.external],
      define: { ...BUNDLE_SETTINGS.define, 'process.env.AUTH_SECRETS_VIA': '"sdk"', 'process.env.AUTH_REVOCATION_CHECK': '"false"' },
      entryPoints: [join(__dirname, '../../functions/authorizer.ts')],
      bundle: true,
      outfile,
      logLevel: 'silent',
    });
    const event = (method: string, resource: string) => ({
      type: 'REQUEST',
      methodArn: `arn:aws:execute-api:us-east-1:123456789012:api1/prod/${method}${resource}`,
      httpMethod: method,
      resource,
      headers: { Authorization: `Bearer ${accessToken}` },
      requestContext: { requestId: 'r' },
    });
    const code = `const m=require(${JSON.stringify(outfile)});const effect=async(e)=>{try{return (await m.handler(e)).policyDocument.Statement[0].Effect}catch(err){return err.message}};
      (async()=>[await effect(${JSON.stringify(event('GET', '/orders'))}),await effect(${JSON.stringify(event('POST', '/orders'))})])().then((r)=>process.stdout.write(JSON.stringify(r)))`;

    // Act: in a process of its own, with AWS's endpoint variable pointing at moto, and no extension.
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['-e', code],
        {
          env: {
            ...lambdaEnv({ secretId: 'unused', publicJwksParameter: '/auth/sdk/jwks' }, issuer),
            [ENV.routesParameter]: '/auth/sdk/routes',
            AWS_REGION: 'us-east-1',
            AWS_ENDPOINT_URL: endpoint,
            AWS_ACCESS_KEY_ID: 'moto',
            AWS_SECRET_ACCESS_KEY: 'moto',
            PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '1',
          },
          timeout: 30_000,
        },
        (err, out) => (err ? reject(err) : resolve(out)),
      ),
    );

    // Assess: its route allowed, a route it does not list denied; and the size the SDK costs.
    expect(JSON.parse(stdout)).toEqual(['Allow', 'Deny']);
    process.stdout.write(
      `authorizer bundle reading with the SDK (revocation check off): ${(statSync(outfile).size / 1024).toFixed(1)} KB\n`,
    );
  });
});
