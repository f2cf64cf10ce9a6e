import type { AccessTokens } from '../tokens/access-tokens';
import type { AttemptsStore } from '../stores/attempts-store';
import type { AuditTrail } from '../telemetry/audit';
import type { AuditStore } from '../stores/audit-store';
import type { Clock } from '../domain/clock';
import type { AuthLogger } from '../telemetry/logger';
import type { AuthMetrics } from '../telemetry/metrics';
import type { PasswordHasher } from '../domain/passwords';
import type { RefreshTokens } from '../domain/refresh-tokens';
import type { SessionsStore } from '../stores/sessions-store';
import type { ThrottlePolicy } from '../domain/throttle';
import type { UsersStore } from '../stores/users-store';

/** Who is asking: kept with a session and written to logs. */
export interface RequestMeta {
  readonly requestId: string;
  readonly sourceIp?: string | undefined;
  readonly userAgent?: string | undefined;
}

/** Everything the core flows need, injected. */
export interface CoreDeps {
  readonly users: UsersStore;
  readonly sessions: SessionsStore;
  readonly attempts: AttemptsStore;
  readonly auditStore: AuditStore;
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
  /** How browsers get the refresh token, and which origins may use it. */
  readonly web: {
    readonly tokenDelivery: 'body' | 'cookie' | 'both';
    readonly allowedOrigins: readonly string[];
    readonly issuer: string;
  };
}

/** RFC 6749 §5.1 token response. */
export interface TokenPair {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly refresh_token: string;
}
