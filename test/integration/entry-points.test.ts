import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV } from '../../functions/lib/wiring/config';
import { serializeSecrets } from '../../functions/lib/tokens/secrets';
import { jsonPost, proxyEvent } from '../helpers/events';
import { createHarness, type Harness } from '../helpers/harness';
import { invoke } from '../helpers/http';

let h: Harness;
let env: Record<string, string>;

beforeAll(async () => {
  h = await createHarness();
  const secretsFile = join(await mkdtemp(join(tmpdir(), 'auth-secrets-')), 'secrets.json');
  await writeFile(secretsFile, serializeSecrets(h.secrets), { mode: 0o600 });
  env = {
    [ENV.usersTable]: h.config.usersTable,
    [ENV.sessionsTable]: h.config.sessionsTable,
    [ENV.attemptsTable]: h.config.attemptsTable,
    [ENV.auditTable]: h.config.auditTable,
    [ENV.clientsTable]: h.config.clientsTable,
    [ENV.issuer]: h.config.issuer,
    [ENV.audience]: h.config.audience,
    [ENV.secretsFile]: secretsFile,
    [ENV.dynamodbEndpoint]: process.env.TEST_DYNAMODB_ENDPOINT as string,
    [ENV.selfRegistration]: 'true',
    [ENV.bcryptCost]: '10',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
});

/** Loads a function module fresh, as a new Lambda container would, with `vars` as its environment. */
function loadEntryPoint<T>(path: string, vars: Record<string, string | undefined>): T {
  const saved = { ...process.env };
  Object.assign(process.env, vars);
  try {
    let mod: T | undefined;
    jest.isolateModules(() => {
      mod = require(path) as T;
    });
    return mod as T;
  } finally {
    process.env = saved;
  }
}

type Http = { handler: (e: unknown) => Promise<{ statusCode: number; body: string }> };

describe('the Lambda entry points', () => {
  it('build their dependencies from the environment and serve register, login and validate', async () => {
    const register = loadEntryPoint<Http>('../../functions/register', env);
    const login = loadEntryPoint<Http>('../../functions/login', env);
    const validate = loadEntryPoint<Http>('../../functions/validate', env);

    expect(
      (
        await invoke(
          register.handler as never,
          jsonPost('/api/auth/register', { username: 'env-user', password: 'a long enough password' }),
        )
      ).status,
    ).toBe(201);
    const pair = await invoke(
      login.handler as never,
      jsonPost('/api/auth/login', { username: 'env-user', password: 'a long enough password' }),
    );
    expect(pair.status).toBe(200);
    const res = await invoke(
      validate.handler as never,
      proxyEvent({ method: 'GET', path: '/api/auth/validate', headers: { Authorization: `Bearer ${String(pair.body.access_token)}` } }),
    );
    expect(res.body).toMatchObject({ active: true, username: 'env-user' });
  });

  it('answer a bad configuration with a generic 500 on every request, never a crash at load', async () => {
    const login = loadEntryPoint<Http>('../../functions/login', { ...env, [ENV.bcryptCost]: '4' });
    const res = await invoke(login.handler as never, jsonPost('/api/auth/login', { username: 'x', password: 'y' }));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'server_error', error_description: 'internal error' });
  });
});
