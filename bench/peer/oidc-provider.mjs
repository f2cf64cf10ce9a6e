/**
 * The peer of `npm run bench -- peer`: panva's oidc-provider (the certified OpenID provider for
 * Node), set up to do what this service does, as a team would set it up:
 * - a password grant, registered through its extension point (`registerGrantType`), checking
 *   bcryptjs hashes at the same cost as ours;
 * - rotating refresh tokens (`rotateRefreshToken: true`; a consumed token revokes its grant);
 * - RS256 JWT access tokens for the API (resource indicators), opaque ones for introspection;
 * - client credentials for machine clients.
 * Its store is its own in-memory adapter, or (`PEER_DYNAMODB`) the DynamoDB adapter beside
 * this file on DynamoDB Local, so that the store's cost and the code's cost can be told apart.
 *
 * Plain JavaScript run by `node` itself (oidc-provider is an ES module). Environment: PORT,
 * PEER_BCRYPT_COST, PEER_DYNAMODB (an endpoint URL), PEER_TABLE, PEER_ACCESS_KEY, PEER_SECRET_KEY.
 * Prints `Ready <url>` when it listens.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import bcrypt from 'bcryptjs';
import Provider, { errors } from 'oidc-provider';
import { createPeerTable, dynamoAdapter } from './oidc-provider-dynamodb.mjs';

const ISSUER = 'https://peer.example.com';
/** The API: RS256 JWT access tokens, as ours are. */
export const API = 'https://api.example.com';
/** A resource whose access tokens are opaque, so that introspection has something to look up. */
export const OPAQUE = 'urn:bench:opaque';
export const CLIENTS = {
  app: 'app',
  introspector: { id: 'introspector', secret: 'an introspection secret of enough length' },
  machine: { id: 'machine', secret: 'a machine client secret of enough length' },
};

const port = Number(process.env.PORT ?? 0);
const cost = Number(process.env.PEER_BCRYPT_COST ?? 11);
const accounts = new Map();

/** RS256 JWTs for the API, as ours are; opaque tokens for the introspection resource. */
const resourceServerInfo = (resource) => ({
  scope: 'api',
  audience: resource,
  accessTokenTTL: 900,
  accessTokenFormat: resource === API ? 'jwt' : 'opaque',
  ...(resource === API ? { jwt: { sign: { alg: 'RS256' } } } : {}),
});

const store = process.env.PEER_DYNAMODB && {
  endpoint: process.env.PEER_DYNAMODB,
  tableName: process.env.PEER_TABLE ?? 'peer',
  credentials: { accessKeyId: process.env.PEER_ACCESS_KEY, secretAccessKey: process.env.PEER_SECRET_KEY },
};
if (store) await createPeerTable(store);

const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
const provider = new Provider(ISSUER, {
  adapter: store ? dynamoAdapter(store) : undefined,
  jwks: { keys: [{ ...jwk, kid: 'peer-1', use: 'sig', alg: 'RS256' }] },
  clients: [
    {
      client_id: CLIENTS.app,
      token_endpoint_auth_method: 'none',
      grant_types: ['password', 'refresh_token'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: CLIENTS.introspector.id,
      client_secret: CLIENTS.introspector.secret,
      grant_types: [],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: CLIENTS.machine.id,
      client_secret: CLIENTS.machine.secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'api',
    },
  ],
  scopes: ['api'],
  features: {
    devInteractions: { enabled: false },
    introspection: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => API,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => resourceServerInfo(resource),
    },
  },
  rotateRefreshToken: true,
  issueRefreshToken: () => true,
  ttl: { RefreshToken: 30 * 24 * 3600, Grant: 30 * 24 * 3600, ClientCredentials: 900, AccessToken: 900 },
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
});

/** The resource owner password grant, through oidc-provider's public extension point. */
provider.registerGrantType(
  'password',
  async (ctx) => {
    const { username, password, resource = API } = ctx.oidc.params;
    const hash = accounts.get(username);
    if (!hash || !(await bcrypt.compare(String(password), hash))) throw new errors.InvalidGrant('invalid credentials');
    const { client } = ctx.oidc;
    const grant = new provider.Grant({ accountId: username, clientId: client.clientId });
    grant.addResourceScope(resource, 'api');
    const grantId = await grant.save();
    const at = new provider.AccessToken({ accountId: username, client, grantId, gty: 'password', scope: 'api' });
    at.resourceServer = new provider.ResourceServer(resource, resourceServerInfo(resource));
    const rt = new provider.RefreshToken({ accountId: username, client, grantId, gty: 'password', scope: 'api', resource });
    const [accessToken, refreshToken] = await Promise.all([at.save(), rt.save()]);
    ctx.body = { access_token: accessToken, refresh_token: refreshToken, token_type: 'Bearer', expires_in: at.expiration, scope: 'api' };
  },
  ['username', 'password', 'resource'],
);

/** Registration is not what is measured: a plain route beside the provider's. */
const callback = provider.callback();
const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/register') {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', async () => {
      const { username, password } = JSON.parse(body);
      accounts.set(username, await bcrypt.hash(password, cost));
      res.writeHead(201).end();
    });
    return;
  }
  callback(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`Ready http://127.0.0.1:${server.address().port}\n`);
});
