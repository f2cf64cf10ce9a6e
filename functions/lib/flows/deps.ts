import type { AccessTokens } from '../tokens/access-tokens';
import type { AuditTrail } from '../telemetry/audit';
import type { Clock } from '../domain/clock';
import type { AuthLogger } from '../telemetry/events';
import type { AuthMetrics } from '../telemetry/metrics';
import type { PasswordHasher } from '../domain/passwords';
import type { RefreshTokens } from '../domain/refresh-tokens';
import type { ThrottlePolicy } from '../domain/throttle';
import type { AttemptsRepo, AuditRepo, ClientsRepo, SessionsRepo, UsersRepo } from '../domain/ports';

/** Everything the flows need, injected: storage through the ports, never a DynamoDB class. */
export interface CoreDeps {
  readonly users: UsersRepo;
  readonly sessions: SessionsRepo;
  readonly attempts: AttemptsRepo;
  readonly auditStore: AuditRepo;
  /** OAuth clients (services that get machine tokens). */
  readonly clients: ClientsRepo;
  /** The clients as the token endpoint's authentication reads them (briefly cached on Lambda). @default `clients` */
  readonly authClients?: Pick<ClientsRepo, 'getClient'>;
  readonly audit: AuditTrail;
  readonly passwords: PasswordHasher;
  readonly accessTokens: AccessTokens;
  readonly refreshTokens: RefreshTokens;
  readonly now: Clock;
  readonly logger: AuthLogger;
  readonly metrics: AuthMetrics;
  readonly throttle: ThrottlePolicy;
  /** Absolute session lifetime. */
  readonly sessionTtlSeconds: number;
  /** A session not refreshed for this long ends. */
  readonly sessionIdleSeconds: number;
  /** Skew allowed on `exp`, as the verifiers allow it. */
  readonly clockToleranceSeconds: number;
  /** How long a retry of a just-rotated refresh token gets the same successor. */
  readonly refreshGraceSeconds: number;
  readonly selfRegistration: boolean;
  /** The `aud` of users' access tokens: the API. */
  readonly audience: string;
  /** How browsers get the refresh token, and which origins may use it. */
  readonly web: {
    readonly tokenDelivery: 'body' | 'cookie' | 'both';
    readonly allowedOrigins: readonly string[];
    readonly issuer: string;
  };
}
