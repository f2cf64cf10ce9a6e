/**
 * Section 7: machine tokens (the client credentials grant). The flow against one GetItem plus
 * one RS256 signature, on DynamoDB Local; the DynamoDB units a token costs in the steady state;
 * and tokens per second over HTTP to `npm start` with 4 connections.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { clientCredentials } from '../functions/lib/flows/client-credentials';
import { cachedClientReader } from '../functions/lib/flows/client-cache';
import { registerClient } from '../functions/lib/flows/clients';
import type { AuthSecrets } from '../functions/lib/tokens/secrets';
import { createCoreDeps } from '../functions/lib/wiring/core';
import { createDocumentClient } from '../functions/lib/wiring/dynamo-client';
import { ensureTables, LOCAL_TABLES } from '../local/dynamodb-tables';
import { runUsersCli } from '../test/helpers/local-runtime';
import { runtimeBesideBench } from './runtime';
import { silent } from './authorizer';
import { meteredStoreClient } from './capacity';
import { dynamoDollars, PRICE_PER_MILLION } from './cost';
import { benchConfig, interleaved, ms, p50Us, size, table } from './lib';

/** How long the throughput run lasts, and with how many connections. */
const THROUGHPUT = { seconds: size(3, 1), connections: 4 };

export async function benchMachineTokens(secrets: AuthSecrets): Promise<void> {
  const { rt, stop, ...ddb } = await runtimeBesideBench();
  const client = createDocumentClient({ endpoint: ddb.endpoint, region: 'local', credentials: ddb.credentials });
  try {
    await ensureTables(client, LOCAL_TABLES);
    const units = meteredStoreClient({ endpoint: ddb.endpoint, credentials: ddb.credentials });
    const config = benchConfig(LOCAL_TABLES);
    const base = createCoreDeps(config, secrets, units.client, { logger: silent });
    // As the Lambda composition root builds it: the client record cached for authentication.
    const core = { ...base, authClients: cachedClientReader(base.clients, { now: Date.now }) };
    const { client: registered, clientSecret } = await registerClient(
      { name: 'bench', scopes: ['ping'], audiences: [config.audience] },
      { requestId: 'b' },
      core,
    );
    const ask = () =>
      clientCredentials(
        { clientId: registered.clientId, clientSecret, method: 'client_secret_basic' },
        { requestId: 'b', sourceIp: '127.0.0.1' },
        core,
      );
    await ask(); // the source is trusted from now on: the steady state
    units.take();
    await ask();
    const perToken = units.take();

    const r = await interleaved(3, {
      getItem: () =>
        p50Us(
          () =>
            // Through the functions' own client, as the flow's read goes.
            units.client.send(
              new GetCommand({ TableName: LOCAL_TABLES.clientsTable, Key: { clientId: registered.clientId }, ConsistentRead: true }),
            ),
          300,
          30,
        ),
      sign: () =>
        p50Us(
          () => core.accessTokens.issueForClient({ clientId: 'c', scopes: ['ping'], audience: config.audience, ttlSeconds: 60 }),
          300,
          30,
        ),
      token: () => p50Us(ask, 300, 30),
    });
    const ratio = r.token / (r.getItem + r.sign);

    // Over HTTP: a client made with the CLI, then 4 connections asking as fast as they can.
    const made = runUsersCli(['clients', 'create', 'throughput', '--scope', 'ping'], { AUTH_DATA_DIR: rt.dataDir }).stdout;
    const field = (name: string) => new RegExp(`^${name} +(\\S+)$`, 'm').exec(made)?.[1] as string;
    const authorization = `Basic ${Buffer.from(`${field('client_id')}:${field('client_secret')}`).toString('base64')}`;
    let done = 0;
    const until = Date.now() + THROUGHPUT.seconds * 1000;
    await Promise.all(
      Array.from({ length: THROUGHPUT.connections }, async () => {
        while (Date.now() < until) {
          const res = await fetch(`${rt.baseUrl}/oauth2/token`, {
            method: 'POST',
            headers: { Authorization: authorization, 'Content-Type': 'application/x-www-form-urlencoded' },
            body: 'grant_type=client_credentials',
          });
          if (res.status !== 200) throw new Error(`token ${res.status}`);
          await res.arrayBuffer();
          done++;
        }
      }),
    );

    table(
      '7. Machine tokens (client credentials, DynamoDB Local)',
      [
        { what: 'GetItem round trip p50 (strongly consistent)', measured: ms(r.getItem / 1000) },
        { what: 'RS256 sign of a machine token p50', measured: ms(r.sign / 1000) },
        {
          what: 'client credentials token p50, the flow',
          measured: ms(r.token / 1000),
          reference: `GetItem + sign ${ms((r.getItem + r.sign) / 1000)}`,
          ratio,
          target: '<= x2.00',
          met: ratio <= 2,
        },
        {
          what: 'DynamoDB per token (steady state)',
          measured: `${perToken.read} RRU + ${perToken.write} WRU`,
          reference: `$${dynamoDollars(perToken)} per million`,
          target: '<= 1 read',
          met: perToken.read <= 1 && perToken.write === 0,
        },
        {
          what: `tokens per second over HTTP, ${THROUGHPUT.connections} connections`,
          measured: `${(done / THROUGHPUT.seconds).toFixed(0)} /s`,
          reference: `${done} in ${THROUGHPUT.seconds} s`,
        },
      ],
      [
        'The client record is cached for 10 s per container (the Lambda composition root), so a token reads only the throttle counters: one BatchGetItem.',
        `On-demand prices: $${PRICE_PER_MILLION.read} per million read units. Over HTTP, npm start runs on this machine with its DynamoDB Local.`,
      ],
    );
  } finally {
    client.destroy();
    await stop();
  }
}
