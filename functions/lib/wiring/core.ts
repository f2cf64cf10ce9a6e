import type { DocumentSender } from '../stores/signed-document-client';
import { createAccessTokens } from '../tokens/access-tokens';
import { AttemptsStore } from '../stores/attempts-store';
import { createAuditTrail } from '../telemetry/audit';
import { AuditStore } from '../stores/audit-store';
import { ClientsStore } from '../stores/clients-store';
import { CachedKeySource } from '../tokens/cached-key-source';
import { systemClock, type Clock } from '../domain/clock';
import { loadConfig, type Config, type Settings } from './config';
import { loadWebAuthnConfig, type WebAuthnConfig } from './webauthn';
import { mailSenderFromConfig } from './mail';
import type { EmailSender } from '../domain/ports';
import type { CoreDeps } from '../flows/deps';
import { createStoreClient } from './dynamo-client';
import { JwkSetKeySource, type KeySource } from '../tokens/key-source';
import type { AuthLogger } from '../telemetry/events';
import { createLogger } from '../telemetry/logger';
import { createMetrics, type AuthMetrics } from '../telemetry/metrics';
import { createPasswordHasher } from '../domain/passwords';
import { createRefreshTokens, deriveKey } from '../domain/refresh-tokens';
import { privateSecretsSource } from './secret-sources';
import { parseSecrets, type AuthSecrets } from '../tokens/secrets';
import { SessionsStore } from '../stores/sessions-store';
import { UsersStore } from '../stores/users-store';
import { FactorsStore } from '../stores/factors-store';
import { createFactorSealer } from '../tokens/factor-seal';
import { createStepTokens } from '../tokens/step-tokens';
import type { ChallengeFields, MfaTokenFields } from '../flows/deps';
import { MFA_TOKEN_TTL_SECONDS } from '../flows/mfa-challenge';
import { CEREMONY_SECONDS } from '../domain/factors';
import { MFA_VERIFY_PATH } from '../contract/routes';
import { cachedClientReader } from '../flows/client-cache';

/** The configuration the flows read. */
export type CoreConfig = Settings &
  Pick<Config, 'usersTable' | 'sessionsTable' | 'attemptsTable' | 'auditTable' | 'clientsTable' | 'issuer' | 'audience'> & {
    /** Where the links in mails point. @default the issuer's origin */
    readonly appUrl?: string | undefined;
    /** @default the issuer's origin and host name */
    readonly webauthn?: WebAuthnConfig;
  };

/**
 * Builds the dependencies of the flows on the DynamoDB stores. Peppers come from `secrets`;
 * signing keys from `keys` (default: the keys in `secrets`).
 */
export function createCoreDeps(config: CoreConfig, secrets: AuthSecrets, client: DocumentSender, overrides: CoreOverrides = {}): CoreDeps {
  return coreDepsOver(dynamoRepos(client, config), config, secrets, overrides);
}

/** The stores the flows use, by port. */
export type Repos = Pick<CoreDeps, 'users' | 'factors' | 'sessions' | 'attempts' | 'auditStore' | 'clients'>;

/** What tests and tools may replace. */
export interface CoreOverrides {
  /** Where mail goes. @default none: the routes that mail are not served */
  readonly mail?: EmailSender;
  readonly now?: Clock;
  readonly logger?: AuthLogger;
  readonly keys?: KeySource;
  readonly metrics?: AuthMetrics;
}

/** The DynamoDB stores on one client. */
export const dynamoRepos = (
  client: DocumentSender,
  config: Pick<CoreConfig, 'usersTable' | 'sessionsTable' | 'attemptsTable' | 'auditTable' | 'clientsTable'>,
): Repos => ({
  users: new UsersStore({ client, tableName: config.usersTable }),
  factors: new FactorsStore({ client, tableName: config.usersTable }),
  sessions: new SessionsStore({ client, tableName: config.sessionsTable }),
  attempts: new AttemptsStore({ client, tableName: config.attemptsTable }),
  auditStore: new AuditStore({ client, tableName: config.auditTable }),
  clients: new ClientsStore({ client, tableName: config.clientsTable }),
});

/** The flows' dependencies over any stores (DynamoDB in production, in memory in unit tests). */
export function coreDepsOver(repos: Repos, config: CoreConfig, secrets: AuthSecrets, overrides: CoreOverrides = {}): CoreDeps {
  const now = overrides.now ?? systemClock;
  const logger = overrides.logger ?? createLogger();
  const metrics = overrides.metrics ?? createMetrics(config.metricsService);
  const keys = overrides.keys ?? new JwkSetKeySource({ jwks: secrets.signingKeys, signingKid: secrets.signingKid });
  return {
    ...repos,
    audit: createAuditTrail({ logger, store: repos.auditStore, now, retentionDays: config.auditRetentionDays, metrics }),
    metrics,
    throttle: {
      freePerSource: config.lockoutFreePerSource,
      freePerAccount: config.lockoutFreePerAccount,
      freePerIp: config.lockoutFreePerIp,
      baseDelaySeconds: config.lockoutBaseDelaySeconds,
      maxDelaySeconds: config.lockoutMaxDelaySeconds,
      windowSeconds: config.lockoutWindowSeconds,
      trustedSourceSeconds: config.trustedSourceDays * 86_400,
    },
    sessionIdleSeconds: config.sessionIdleSeconds,
    passwords: createPasswordHasher({ peppers: secrets.peppers, bcryptCost: config.bcryptCost }),
    accessTokens: createAccessTokens({ keys, now, ...config }),
    factorSealer: createFactorSealer(secrets.peppers),
    mfaTokens: createStepTokens<MfaTokenFields>(
      { typ: 'mfa+jwt', audience: `${config.issuer}${MFA_VERIFY_PATH}`, ttlSeconds: MFA_TOKEN_TTL_SECONDS },
      // Issued and checked by this service alone: a few seconds cover its own clocks.
      { keys, issuer: config.issuer, now, clockToleranceSeconds: 5 },
    ),
    mfa: { requiredRoles: config.mfaRequiredRoles, totpIssuer: new URL(config.issuer).host },
    ...(overrides.mail && {
      mail: {
        sender: overrides.mail,
        context: { productName: config.productName, appUrl: config.appUrl ?? new URL(config.issuer).origin },
        notices: config.emailNotices,
        perAddressPerHour: config.mailPerAddressPerHour,
        perSourcePerHour: config.mailPerSourcePerHour,
      },
    }),
    loginRequiresVerifiedEmail: config.loginRequiresVerifiedEmail,
    webauthn: {
      ...(config.webauthn ?? { rpId: new URL(config.issuer).hostname, origins: [new URL(config.issuer).origin] }),
      rpName: new URL(config.issuer).host,
    },
    webauthnChallenges: createStepTokens<ChallengeFields>(
      { typ: 'webauthn-challenge+jwt', audience: `${config.issuer}/api/auth/passkeys`, ttlSeconds: CEREMONY_SECONDS },
      { keys, issuer: config.issuer, now, clockToleranceSeconds: 5 },
    ),
    refreshTokens: createRefreshTokens(secrets.peppers.map((p) => deriveKey(p.secret, 'refresh-token/tag'))),
    now,
    logger,
    sessionTtlSeconds: config.sessionTtlSeconds,
    refreshGraceSeconds: config.refreshGraceSeconds,
    clockToleranceSeconds: config.clockToleranceSeconds,
    selfRegistration: config.selfRegistration,
    web: { tokenDelivery: config.tokenDelivery, allowedOrigins: config.allowedOrigins, issuer: config.issuer },
    audience: config.audience,
  };
}

/**
 * The Lambda composition root of the flows: configuration, a DynamoDB client, and the secrets.
 * Signing keys are refetched after the cache TTL, so a rotation reaches warm containers.
 */
export async function defaultCoreDeps(): Promise<CoreDeps> {
  const loaded = loadConfig();
  const config = { ...loaded, webauthn: loadWebAuthnConfig(loaded.issuer, loaded.allowedOrigins) };
  const read = privateSecretsSource(config);
  const secrets = parseSecrets(await read());
  const keys = new CachedKeySource({
    load: async () => {
      const latest = parseSecrets(await read());
      return { jwks: latest.signingKeys, signingKid: latest.signingKid };
    },
    ttlMs: config.keysCacheTtlSeconds * 1000,
    initial: { jwks: secrets.signingKeys, signingKid: secrets.signingKid },
  });
  const client = createStoreClient({ endpoint: config.dynamodbEndpoint });
  const core = createCoreDeps(config, secrets, client, { keys, mail: mailSenderFromConfig(config) });
  return { ...core, authClients: cachedClientReader(core.clients, { now: systemClock }) };
}

/**
 * What the admin operations need (the admin CLI): the stores on one client, and an audit trail
 * that logs through `logger`. No secrets: only the commands that hash read the pepper.
 */
export function createAdminDeps(
  client: DocumentSender,
  tables: Pick<CoreConfig, 'usersTable' | 'sessionsTable' | 'auditTable'>,
  logger: AuthLogger,
  settings: Pick<CoreConfig, 'auditRetentionDays'>,
) {
  const auditStore = new AuditStore({ client, tableName: tables.auditTable });
  const now = systemClock;
  return {
    users: new UsersStore({ client, tableName: tables.usersTable }),
    factors: new FactorsStore({ client, tableName: tables.usersTable }),
    sessions: new SessionsStore({ client, tableName: tables.sessionsTable }),
    auditStore,
    now,
    logger,
    audit: createAuditTrail({ logger, store: auditStore, now, retentionDays: settings.auditRetentionDays }),
  };
}
