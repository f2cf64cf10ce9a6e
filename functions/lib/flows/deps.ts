import type { AccessTokens } from '../tokens/access-tokens';
import type { AuditTrail } from '../telemetry/audit';
import type { Clock } from '../domain/clock';
import type { AuthLogger } from '../telemetry/events';
import type { AuthMetrics } from '../telemetry/metrics';
import type { PasswordHasher } from '../domain/passwords';
import type { RefreshTokens } from '../domain/refresh-tokens';
import type { ThrottlePolicy } from '../domain/throttle';
import type { AttemptsRepo, AuditRepo, ClientsRepo, EmailSender, FactorsRepo, SessionsRepo, UsersRepo } from '../domain/ports';
import type { MailContext } from '../domain/email-messages';
import type { FactorSealer } from '../tokens/factor-seal';
import type { StepTokens } from '../tokens/step-tokens';
import type { AuthMethod } from '../domain/factors';

/** What an `mfa_token` carries between the password and the second factor. */
export interface MfaTokenFields {
  readonly username: string;
  /** What the first step proved, and when. */
  readonly amr: readonly AuthMethod[];
  readonly auth_time: number;
  /** A fingerprint of the password hash it was issued against: a password changed meanwhile ends it. */
  readonly pwh: string;
}

/** What a WebAuthn challenge token binds: the challenge, and the ceremony it is for. */
export interface ChallengeFields {
  readonly chal: string;
  readonly purpose: 'register' | 'sign-in';
}

/** How second factors behave. */
export interface MfaSettings {
  /** Users holding any of these roles must enrol a second factor before anything else. */
  readonly requiredRoles: readonly string[];
  /** The issuer an authenticator app shows beside the account name. */
  readonly totpIssuer: string;
}

import type { Caller as AuthorizedCaller } from '../contract/authorizer-context';

/** The signed-in caller, as the authorizer passed them on (the parts the account flows use). */
export type Caller = Pick<AuthorizedCaller, 'sub' | 'username' | 'sid' | 'amr' | 'authTime'>;

/** Everything the flows need, injected: storage through the ports, never a DynamoDB class. */
export interface CoreDeps {
  readonly users: UsersRepo;
  /** Second factors, on the users' items. */
  readonly factors: FactorsRepo;
  readonly factorSealer: FactorSealer;
  /** The `mfa_token` between a password and a second factor. */
  readonly mfaTokens: StepTokens<MfaTokenFields>;
  readonly mfa: MfaSettings;
  /** Mail, where it is configured (else the routes that mail are not served): the outbox, the links' app, the notices sent. */
  readonly mail?: {
    readonly sender: EmailSender;
    readonly context: MailContext;
    readonly notices: readonly string[];
    /** Recovery mails per hour: per address, name or account, and per source IP. */
    readonly perAddressPerHour: number;
    readonly perSourcePerHour: number;
  };
  /** Refuse sign-in to an account whose address is not verified. */
  readonly loginRequiresVerifiedEmail: boolean;
  /** The WebAuthn relying party: its id and name, and the origins of the pages that use passkeys. */
  readonly webauthn: { readonly rpId: string; readonly rpName: string; readonly origins: readonly string[] };
  /** The single-use tokens that carry a WebAuthn ceremony's challenge. */
  readonly webauthnChallenges: StepTokens<ChallengeFields>;
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
