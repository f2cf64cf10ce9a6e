import { createHandler as createLogin } from '../../functions/login';
import { createHandler as createLogout } from '../../functions/logout';
import { createHandler as createRefresh } from '../../functions/refresh';
import { createHandler as createRegister } from '../../functions/register';
import { createCoreDeps } from '../../functions/lib/wiring/core';
import { createUser } from '../../functions/lib/flows/users';
import { createStoreClient } from '../../functions/lib/wiring/dynamo-client';
import { freePort } from '../../local/dynamodb-local';
import { jsonPost } from '../helpers/events';
import { createHarness, type Harness } from '../helpers/harness';
import { invoke } from '../helpers/http';

let h: Harness;
let down: ReturnType<typeof createCoreDeps>;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  h = await createHarness();
  await createUser({ username: 'alice', password: PASSWORD }, { requestId: 'setup' }, h.core);
  // Same tables and keys, but a DynamoDB endpoint on a port where nothing listens.
  const deadClient = createStoreClient({
    endpoint: `http://127.0.0.1:${await freePort()}`,
    region: 'local',
    credentials: { accessKeyId: 'nobody', secretAccessKey: 'nothing' },
  });
  down = createCoreDeps(h.config, h.secrets, deadClient, { now: h.clock, logger: h.logger });
});

describe('when DynamoDB refuses connections', () => {
  it('answers login with 503 temporarily_unavailable and Retry-After', async () => {
    const res = await invoke(createLogin(down), jsonPost('/api/auth/login', { username: 'alice', password: PASSWORD }));
    expect(res.status).toBe(503);
    expect(res.headers['Retry-After']).toBe('1');
    expect(res.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
  });

  it('answers refresh with 503 and consumes nothing: the same token refreshes once DynamoDB is back', async () => {
    const pair = await invoke(createLogin(h.core), jsonPost('/api/auth/login', { username: 'alice', password: PASSWORD }));
    h.clock.advance(60);

    const failed = await invoke(createRefresh(down), jsonPost('/api/auth/refresh', { refresh_token: pair.body.refresh_token }));
    expect(failed.status).toBe(503);

    h.clock.advance(60);
    const retried = await invoke(createRefresh(h.core), jsonPost('/api/auth/refresh', { refresh_token: pair.body.refresh_token }));
    expect(retried.status).toBe(200);
  });

  it('answers register and logout with 503', async () => {
    const register = await invoke(createRegister(down), jsonPost('/api/auth/register', { username: 'newbie', password: PASSWORD }));
    expect(register.status).toBe(503);
    const token = (await invoke(createLogin(h.core), jsonPost('/api/auth/login', { username: 'alice', password: PASSWORD }))).body
      .refresh_token;
    const logout = await invoke(createLogout(down), jsonPost('/api/auth/logout', { refresh_token: token }));
    expect(logout.status).toBe(503);
  });
});
