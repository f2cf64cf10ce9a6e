import {
  CLIENT_AUTH_METHODS,
  type Client,
  type ClientAuthMethod,
  type ClientSummary,
  checkClientJwks,
  checkRegistration,
  isClientId,
  newClientId,
  newClientSecret,
  toClientSummary,
} from '../domain/clients';
import { epochSeconds } from '../domain/clock';
import { ConflictError, InvalidRequestError, NotFoundError } from '../domain/errors';
import type { RequestMeta } from '../domain/request-meta';
import { CLIENT_CACHE_SECONDS } from './client-cache';
import { clientSubject } from './client-credentials';
import type { CoreDeps } from './deps';

/** What administering clients needs: the store, the audit trail and the clock (the admin CLI has these). */
export type ClientAdminDeps = Pick<CoreDeps, 'clients' | 'audit' | 'now'>;

/** A new client's registration. */
export interface ClientRegistration {
  readonly name: string;
  readonly scopes: readonly string[];
  readonly audiences: readonly string[];
  /** @default 3600: a machine's token lives an hour */
  readonly accessTokenTtlSeconds?: number;
  /** @default client_secret_basic, the method every OAuth client library supports (RFC 6749 §2.3.1) */
  readonly authMethod?: ClientAuthMethod;
  /** For `private_key_jwt`: the public keys that verify its assertions (it gets no secret). */
  readonly jwks?: unknown;
}

/** How long the old secret of a rotation keeps working, by default: a day to roll it out. */
export const ROTATION_GRACE_SECONDS = 86_400;
/** A client holds at most this many live secrets: the new one, and the one being rolled out of use. */
const MAX_SECRETS = 2;

/** A new client and its secret, which is shown this once: only its hash is kept. */
export async function registerClient(
  r: ClientRegistration,
  meta: RequestMeta,
  deps: ClientAdminDeps,
): Promise<{ client: ClientSummary; clientSecret: string | undefined }> {
  const name = r.name.trim();
  if (name === '' || name.length > 128) throw new InvalidRequestError('name must be 1 to 128 characters');
  const { scopes, audiences } = checkRegistration(r);
  const ttl = r.accessTokenTtlSeconds ?? 3600;
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 86_400) throw new InvalidRequestError('accessTokenTtlSeconds must be 60 to 86400');
  const authMethod = r.authMethod ?? 'client_secret_basic';
  if (!CLIENT_AUTH_METHODS.includes(authMethod))
    throw new InvalidRequestError(`authMethod must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
  const now = epochSeconds(deps.now);
  const keyed = authMethod === 'private_key_jwt';
  if (keyed !== (r.jwks !== undefined)) throw new InvalidRequestError('jwks is for private_key_jwt clients, and they need it');
  const { secret, stored } = newClientSecret(now);
  const client: Client = {
    clientId: newClientId(),
    name,
    status: 'active',
    scopes,
    audiences,
    accessTokenTtlSeconds: ttl,
    authMethod,
    secrets: keyed ? [] : [stored],
    ...(keyed && { jwks: checkClientJwks(r.jwks) }),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await deps.clients.createClient(client);
  await deps.audit.record('client_created', { requestId: meta.requestId, userId: clientSubject(client.clientId) });
  return { client: toClientSummary(client), clientSecret: keyed ? undefined : secret };
}

/** A client, never a hash; `NotFoundError` if there is none. */
export async function showClient(clientId: string, deps: ClientAdminDeps): Promise<ClientSummary> {
  return toClientSummary(await existing(clientId, deps));
}

export async function listClients(deps: ClientAdminDeps): Promise<ClientSummary[]> {
  return (await deps.clients.listClients()).map(toClientSummary);
}

/**
 * A new secret, shown this once. The secrets the client has keep working for `graceSeconds`
 * (at most), so it can roll the new one out without downtime; the oldest goes if two are live.
 */
export async function rotateClientSecret(
  clientId: string,
  meta: RequestMeta,
  deps: ClientAdminDeps,
  graceSeconds = ROTATION_GRACE_SECONDS,
): Promise<{ client: ClientSummary; clientSecret: string }> {
  let clientSecret = '';
  const client = await changeClient(clientId, meta, deps, 'rotated_secret', (c, now) => {
    if (c.authMethod === 'private_key_jwt') throw new ConflictError('a private_key_jwt client has keys, not secrets');
    const fresh = newClientSecret(now);
    clientSecret = fresh.secret;
    const live = c.secrets
      .filter((s) => s.expiresAt === undefined || s.expiresAt > now)
      .map((s) => ({ ...s, expiresAt: Math.min(s.expiresAt ?? Number.POSITIVE_INFINITY, now + graceSeconds) }))
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, MAX_SECRETS - 1);
    return { ...c, secrets: [fresh.stored, ...live] };
  });
  return { client, clientSecret };
}

/**
 * Ends one secret at once (a leak); the client must keep another. Every token issued until the
 * token endpoint's client cache has forgotten the secret ends too, so none minted with the
 * leaked secret stands (the client's own services fetch new ones).
 */
export function revokeClientSecret(clientId: string, secretId: string, meta: RequestMeta, deps: ClientAdminDeps): Promise<ClientSummary> {
  return changeClient(clientId, meta, deps, 'revoked_secret', (c, now) => {
    if (!c.secrets.some((s) => s.id === secretId)) throw new NotFoundError(`client ${clientId} has no secret ${secretId}`);
    const rest = c.secrets.filter((s) => s.id !== secretId);
    if (rest.length === 0) throw new ConflictError('this is the client’s only secret: rotate first, or disable the client');
    return { ...c, secrets: rest, tokensValidAfter: Math.max(c.tokensValidAfter ?? 0, now + CLIENT_CACHE_SECONDS + 1) };
  });
}

export function setClientStatus(
  clientId: string,
  status: Client['status'],
  meta: RequestMeta,
  deps: ClientAdminDeps,
): Promise<ClientSummary> {
  // Disabling ends every token the client holds, those of this very second too (`iat` counts
  // whole seconds); enabling again does not bring them back.
  return changeClient(clientId, meta, deps, status === 'active' ? 'enabled' : 'disabled', (c, now) => ({
    ...c,
    status,
    ...(status === 'disabled' && { tokensValidAfter: now + 1 }),
  }));
}

/** Ends every token the client holds now (a revocation, RFC 7009): tokens issued from the next second on stand. */
export function endClientTokens(clientId: string, meta: RequestMeta, deps: ClientAdminDeps): Promise<ClientSummary> {
  return changeClient(clientId, meta, deps, 'tokens_revoked', (c, now) => ({
    ...c,
    tokensValidAfter: Math.max(c.tokensValidAfter ?? 0, now + 1),
  }));
}

export function setClientScopes(
  clientId: string,
  scopes: readonly string[],
  meta: RequestMeta,
  deps: ClientAdminDeps,
): Promise<ClientSummary> {
  return changeClient(clientId, meta, deps, 'scopes', (c) => ({
    ...c,
    scopes: checkRegistration({ scopes, audiences: c.audiences }).scopes,
  }));
}

export function setClientAudiences(
  clientId: string,
  audiences: readonly string[],
  meta: RequestMeta,
  deps: ClientAdminDeps,
): Promise<ClientSummary> {
  return changeClient(clientId, meta, deps, 'audiences', (c) => ({
    ...c,
    audiences: checkRegistration({ scopes: c.scopes, audiences }).audiences,
  }));
}

export async function deleteClient(clientId: string, meta: RequestMeta, deps: ClientAdminDeps): Promise<void> {
  if (!isClientId(clientId) || !(await deps.clients.deleteClient(clientId))) throw new NotFoundError(`no client ${clientId}`);
  await deps.audit.record('client_deleted', { requestId: meta.requestId, userId: clientSubject(clientId) });
}

async function existing(clientId: string, deps: ClientAdminDeps): Promise<Client> {
  const client = isClientId(clientId) ? await deps.clients.getClient(clientId) : undefined;
  if (!client) throw new NotFoundError(`no client ${clientId}`);
  return client;
}

/** Reads, changes and saves over the version read; a concurrent change makes it read again (3 tries). */
async function changeClient(
  clientId: string,
  meta: RequestMeta,
  deps: ClientAdminDeps,
  reason: string,
  change: (c: Client, now: number) => Client,
): Promise<ClientSummary> {
  for (let attempt = 1; ; attempt++) {
    const current = await existing(clientId, deps);
    const now = epochSeconds(deps.now);
    const next = { ...change(current, now), updatedAt: now, version: current.version + 1 };
    try {
      await deps.clients.saveClient(next, current.version);
    } catch (err) {
      if (err instanceof ConflictError && attempt < 3) continue;
      throw err;
    }
    await deps.audit.record('client_changed', { requestId: meta.requestId, userId: clientSubject(clientId), reason });
    return toClientSummary(next);
  }
}
