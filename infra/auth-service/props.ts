import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { AUTHORIZER_CACHE_SECONDS } from '../../functions/lib/contract/routes';
import { DEFAULTS, SETTINGS, type Settings, settingProblem } from '../../functions/lib/contract/settings';

/** The runtime settings that props of their own set (in their own units). */
const SETTINGS_OF_PROPS = {
  accessTokenTtlSeconds: 'accessTokenTtl',
  sessionTtlSeconds: 'sessionTtl',
  bcryptCost: 'bcryptCost',
  selfRegistration: 'selfRegistration',
  keyRotationDays: 'keyRotationInterval',
  revocationCheck: 'revocationCheck',
  auditRetentionDays: 'auditRetention',
  tokenDelivery: 'tokenDelivery',
  allowedOrigins: 'allowedOrigins',
} as const satisfies Partial<Record<keyof typeof SETTINGS, string>>;

/** Request rate limits (API Gateway token bucket). */
export interface ThrottleSettings {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Largest burst. */
  readonly burstLimit: number;
}

/** Props of `AuthService`. Every one has a secure default. */
export interface AuthServiceProps {
  /**
   * API Gateway stage.
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * `iss` of access tokens (use your custom domain's URL if you have one).
   * @default the stage URL of the API
   */
  readonly issuer?: string;
  /**
   * `aud` of access tokens: the APIs that accept them.
   * @default the issuer followed by `/api`
   */
  readonly audience?: string;
  /**
   * Access-token lifetime (60 s to 24 h).
   * @default Duration.minutes(15)
   */
  readonly accessTokenTtl?: Duration;
  /**
   * Absolute session lifetime: refreshes never extend it.
   * @default Duration.days(30)
   */
  readonly sessionTtl?: Duration;
  /**
   * bcrypt work factor (10 to 15). Each step doubles the CPU time of a login.
   * @default 11
   */
  readonly bcryptCost?: number;
  /**
   * Memory of the functions that run bcrypt (login, register), in MB. Lambda gives CPU in
   * proportion to memory and bcrypt is single-threaded, so 1769 MB (one full vCPU) is where a
   * compare stops getting faster; 1024 MB makes it about 1.7 times slower.
   * @default 1769
   */
  readonly passwordFunctionMemorySize?: number;
  /**
   * Serve `POST /api/auth/register` (self sign-up).
   * @default false
   */
  readonly selfRegistration?: boolean;
  /**
   * Serve the admin console at `<issuer>/admin`: a page on this API (its own small function, which
   * reads no table and holds no secret) that signs in through the service, with the refresh
   * token in the HttpOnly cookie, so it needs `tokenDelivery` `cookie` or `both`. Only accounts
   * with the admin role (and a second factor, under `adminRoutesRequireMfa`) get past its sign-in.
   * @default false
   */
  readonly adminConsole?: boolean;
  /**
   * How long API Gateway caches the authorizer's policy per `Authorization` header (0 to 1 h).
   * @default Duration.minutes(5)
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * Stage-wide throttling: a capacity limit for the whole API. API Gateway's throttles are one
   * token bucket for all callers, so they protect capacity and cost, never one user from another
   * (that is WAF's per-IP rule and the per-account backoff in DynamoDB; see the README).
   * @default { rateLimit: 1000, burstLimit: 2000 }
   */
  readonly throttle?: ThrottleSettings;
  /**
   * Capacity limit of the routes that run bcrypt (login, register, password change): each call
   * costs about 120 ms of a full vCPU, so this bounds the concurrent bcrypt work and its bill.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly authRouteThrottle?: ThrottleSettings;
  /**
   * Capacity limit of refresh: every signed-in client calls it once per access-token lifetime
   * (15 minutes by default), so 500 per second serves about 450 000 active clients.
   * @default { rateLimit: 500, burstLimit: 1000 }
   */
  readonly refreshThrottle?: ThrottleSettings;
  /**
   * Origins allowed by CORS, as full origins (`https://app.example.com`). `*` is refused.
   * @default [] (no CORS: only same-origin and server-side callers)
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Passkeys (WebAuthn): the relying party id (your web pages' host, or a parent domain of it:
   * `example.com` for `https://app.example.com`) and the exact origins of the pages that call
   * `navigator.credentials`. A passkey is bound to its RP id for good: choose it once.
   * @default the first of `allowedOrigins` and its host name; else the API's own URL
   */
  readonly webAuthn?: { readonly rpId: string; readonly origins: readonly string[] };
  /**
   * Mail through Amazon SES: recovery links, address verification and notices. `identity` is an
   * SES identity verified in this account and region (a domain, or one address); `from` sends,
   * at that identity; `appUrl` is the web app the links open. Without it, the recovery routes
   * are not served.
   * @default no mail
   */
  readonly email?: { readonly identity: string; readonly from: string; readonly appUrl: string };
  /**
   * Put an AWS WAF web ACL in front of the API, with a rate-based rule per source IP on the
   * auth routes. Costs about $6 a month plus $0.60 per million requests.
   * @default true
   */
  readonly waf?: boolean;
  /**
   * Requests to `/api/auth/*` one IP may make in 5 minutes before WAF blocks it (at least 10).
   * @default 300
   */
  readonly wafRateLimitPer5Minutes?: number;
  /**
   * Requests to the other auth routes and the OAuth endpoints (refresh, validate, sessions,
   * machine tokens...) one IP may make in 5
   * minutes before WAF blocks it (at least 10). Looser: a backend or a NAT address makes many.
   * @default 3000
   */
  readonly wafAuthRoutesRateLimitPer5Minutes?: number;
  /**
   * Keep the tables and secrets when the stack is deleted, with deletion protection on. Set
   * false only for disposable development stacks.
   * @default true
   */
  readonly retainData?: boolean;
  /**
   * Retention of function and access logs.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Age at which the signing key gets a successor (checked daily).
   * @default Duration.days(90)
   */
  readonly keyRotationInterval?: Duration;
  /**
   * The authorizer and validate check each token's session and user in DynamoDB, so logout,
   * password changes, disabling and revocation take effect within the cache bound
   * (authorizerCacheTtl + 30 s). Off, the authorizer bundle carries no AWS SDK and tokens live
   * until they expire.
   * @default true
   */
  readonly revocationCheck?: boolean;
  /**
   * How long the audit table keeps security events.
   * @default Duration.days(90)
   */
  readonly auditRetention?: Duration;
  /**
   * Trace the functions and the API with AWS X-Ray (Powertools Tracer captures the DynamoDB
   * calls). Off, the X-Ray SDK is not even bundled.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * Where the refresh token travels: `body` (JSON), `cookie` (an HttpOnly, Secure,
   * SameSite=Strict `__Secure-` cookie limited to the auth routes, for browser apps), or `both`.
   * @default 'body'
   */
  readonly tokenDelivery?: 'body' | 'cookie' | 'both';
  /**
   * Where the alarms notify.
   * @default no notifications (the alarms still show in CloudWatch)
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Failed logins in 5 minutes that raise the failed-login alarm.
   * @default 50
   */
  readonly failedLoginAlarmThreshold?: number;
  /**
   * Any runtime setting of `functions/lib/contract/settings.ts` (lockout counters, idle timeout,
   * grace window, clock tolerance, caches...), checked against its declared range and written
   * to every function's environment. The props above set their own settings; naming one here
   * as well is refused.
   * @default each setting's documented default
   */
  readonly settings?: Partial<Settings>;
  /**
   * Own API Gateway's account-wide CloudWatch Logs role (`AWS::ApiGateway::Account`). There is
   * one such setting per account and region, shared by every REST API there, so only one stack
   * should own it, and it is kept when that stack is deleted: deleting it would cut access
   * logging for every other API. Turn this on for the first stack in an account and region, or
   * set the role once by hand (README, "Deploy to AWS").
   * @default false
   */
  readonly apiGatewayAccount?: boolean;
  /**
   * The ARN of the AWS Parameters and Secrets Lambda Extension layer (arm64) in the stack's
   * region, from AWS's list "AWS Parameters and Secrets Lambda Extension ARNs": the way to take a
   * newer layer version than aws-cdk-lib's, or the extension where aws-cdk-lib knows no layer.
   * @default aws-cdk-lib's layer 1.0.103 where it knows one for the region (21 regions); elsewhere,
   * and in a stack whose region is known only at deploy time, no layer: the functions read the
   * secret and the parameters with the SDK
   */
  readonly paramsAndSecretsLayerArn?: string;
  /**
   * Serve the API on your own domain (a regional custom domain, TLS 1.2, with a base path
   * mapping to the stage); point a DNS alias or CNAME of `domainName` at the construct's
   * `domain.domainNameAliasDomainName`. The issuer and the cookie path follow it. Cookie mode
   * needs it when the browser app is on another host: a `SameSite=Strict` cookie is sent only
   * to a host of the app's own site (README, "Browser apps").
   * @default none (the execute-api URL)
   */
  readonly customDomain?: CustomDomain;
  /**
   * Re-attaches the data an earlier stack kept (its tables and secret are retained on delete):
   * this stack then creates none of them and never deletes them, and the key set-up keeps the
   * keys and pepper the secret holds, so issued tokens and password hashes stay valid. Take the
   * names and the ARN from the old stack's outputs (README, "Tearing down").
   * @default none: the stack creates its own tables and secret
   */
  readonly existingData?: ExistingData;
}

/** The tables and secret of an earlier deployment, by table name and secret ARN. */
export interface ExistingData {
  readonly usersTable: string;
  readonly sessionsTable: string;
  readonly attemptsTable: string;
  readonly auditTable: string;
  /** @default none: a stack from before machine clients kept none, and this stack creates it */
  readonly clientsTable?: string;
  /** The secret's complete ARN (ending in `-` and six characters), from the `SecretArn` output. */
  readonly secretArn: string;
}

/** A custom domain for the API. */
export interface CustomDomain {
  /** For example `auth.example.com`. */
  readonly domainName: string;
  /** An ACM certificate for `domainName`, in the stack's region. */
  readonly certificate: acm.ICertificate;
  /** A path under the domain, without slashes (`auth`). @default '' (the domain's root) */
  readonly basePath?: string;
}

/** Props with defaults applied, checked; a bad one fails synth with a message naming it. */
export function resolveProps(props: AuthServiceProps) {
  const p = {
    stageName: props.stageName ?? 'prod',
    issuer: props.issuer,
    audience: props.audience,
    accessTokenTtl: props.accessTokenTtl ?? Duration.seconds(DEFAULTS.accessTokenTtlSeconds),
    sessionTtl: props.sessionTtl ?? Duration.seconds(DEFAULTS.sessionTtlSeconds),
    bcryptCost: props.bcryptCost ?? DEFAULTS.bcryptCost,
    passwordFunctionMemorySize: props.passwordFunctionMemorySize ?? 1769,
    selfRegistration: props.selfRegistration ?? false,
    adminConsole: props.adminConsole ?? false,
    authorizerCacheTtl: props.authorizerCacheTtl ?? Duration.seconds(AUTHORIZER_CACHE_SECONDS.default),
    throttle: props.throttle ?? { rateLimit: 1000, burstLimit: 2000 },
    authRouteThrottle: props.authRouteThrottle ?? { rateLimit: 100, burstLimit: 200 },
    refreshThrottle: props.refreshThrottle ?? { rateLimit: 500, burstLimit: 1000 },
    allowedOrigins: props.allowedOrigins ?? [],
    webAuthn: props.webAuthn,
    email: props.email,
    waf: props.waf ?? true,
    wafRateLimitPer5Minutes: props.wafRateLimitPer5Minutes ?? 300,
    wafAuthRoutesRateLimitPer5Minutes: props.wafAuthRoutesRateLimitPer5Minutes ?? 3000,
    retainData: props.retainData ?? true,
    logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    keyRotationInterval: props.keyRotationInterval ?? Duration.days(DEFAULTS.keyRotationDays),
    revocationCheck: props.revocationCheck ?? DEFAULTS.revocationCheck,
    auditRetention: props.auditRetention ?? Duration.days(DEFAULTS.auditRetentionDays),
    tracing: props.tracing ?? false,
    tokenDelivery: props.tokenDelivery ?? DEFAULTS.tokenDelivery,
    alarmTopic: props.alarmTopic,
    failedLoginAlarmThreshold: props.failedLoginAlarmThreshold ?? 50,
    settings: props.settings ?? {},
    apiGatewayAccount: props.apiGatewayAccount ?? false,
    paramsAndSecretsLayerArn: props.paramsAndSecretsLayerArn,
    customDomain: props.customDomain && { ...props.customDomain, basePath: props.customDomain.basePath ?? '' },
    existingData: props.existingData,
  };
  const fail = (message: string): never => {
    throw new Error(`AuthService: ${message}`);
  };
  const inRange = (name: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) fail(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  };
  // A prop that stands for a runtime setting is held to that setting's declared range.
  const setting = (name: string, key: keyof typeof SETTINGS, value: unknown) => {
    const problem = settingProblem(SETTINGS[key], value);
    if (problem) fail(`${name} ${problem}, got ${JSON.stringify(value)}`);
  };
  setting('bcryptCost', 'bcryptCost', p.bcryptCost);
  setting('accessTokenTtl (seconds)', 'accessTokenTtlSeconds', p.accessTokenTtl.toSeconds());
  setting('sessionTtl (seconds)', 'sessionTtlSeconds', p.sessionTtl.toSeconds());
  setting('keyRotationInterval (days)', 'keyRotationDays', p.keyRotationInterval.toDays());
  setting('auditRetention (days)', 'auditRetentionDays', p.auditRetention.toDays());
  if (p.adminConsole && p.tokenDelivery === 'body')
    fail("adminConsole needs tokenDelivery 'cookie' or 'both' (its session is the HttpOnly refresh cookie), got 'body'");
  for (const origin of p.allowedOrigins) {
    if (origin === '*') fail('allowedOrigins must list origins; "*" would let any site call the API');
    if (!URL.canParse(origin) || new URL(origin).origin !== origin)
      fail(`allowedOrigins entries must be origins like https://app.example.com, got ${JSON.stringify(origin)}`);
  }
  if (p.webAuthn) {
    const { rpId, origins } = p.webAuthn;
    if (origins.length === 0) fail('webAuthn.origins must list the origins of the pages that use passkeys');
    for (const origin of origins) {
      if (!URL.canParse(origin) || new URL(origin).origin !== origin)
        fail(`webAuthn.origins must be origins like https://app.example.com, got ${JSON.stringify(origin)}`);
      const host = new URL(origin).hostname;
      // WebAuthn §5.1.3: the RP id is the origin's host or a registrable suffix of it.
      if (host !== rpId && !host.endsWith(`.${rpId}`))
        fail(`webAuthn.rpId ${JSON.stringify(rpId)} is not the host, or a parent domain, of ${origin}`);
    }
  }
  if (p.email) {
    const { identity, from, appUrl } = p.email;
    const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    if (!/^[^@\s]+@[a-z0-9.-]+\.[a-z]{2,}$/i.test(from)) fail(`email.from must be one address, got ${JSON.stringify(from)}`);
    const fits = identity.includes('@')
      ? identity.toLowerCase() === from.toLowerCase()
      : domainOf(from) === identity.toLowerCase() || domainOf(from).endsWith(`.${identity.toLowerCase()}`);
    if (!fits) fail(`email.from ${JSON.stringify(from)} is not at the SES identity ${JSON.stringify(identity)}`);
    if (!/^https:\/\//.test(appUrl) || !URL.canParse(appUrl)) fail(`email.appUrl must be an https URL, got ${JSON.stringify(appUrl)}`);
  }
  const byProps = new Set<string>(Object.keys(SETTINGS_OF_PROPS));
  for (const [key, value] of Object.entries(p.settings)) {
    if (!(key in SETTINGS)) fail(`settings.${key} is not a setting (see functions/lib/contract/settings.ts)`);
    if (byProps.has(key)) fail(`settings.${key} is set by the ${SETTINGS_OF_PROPS[key as keyof typeof SETTINGS_OF_PROPS]} prop; use that`);
    setting(`settings.${key}`, key as keyof typeof SETTINGS, value);
  }
  inRange('passwordFunctionMemorySize', p.passwordFunctionMemorySize, 128, 10_240);
  inRange('authorizerCacheTtl (seconds)', p.authorizerCacheTtl.toSeconds(), 0, AUTHORIZER_CACHE_SECONDS.max);
  inRange('wafRateLimitPer5Minutes', p.wafRateLimitPer5Minutes, 10, 2_000_000_000);
  inRange('wafAuthRoutesRateLimitPer5Minutes', p.wafAuthRoutesRateLimitPer5Minutes, 10, 2_000_000_000);
  inRange('failedLoginAlarmThreshold', p.failedLoginAlarmThreshold, 1, 1_000_000);
  if (p.customDomain) {
    const { domainName, basePath } = p.customDomain;
    if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domainName))
      fail(`customDomain.domainName must be a lower-case host name like auth.example.com, not ${domainName}`);
    if (!/^[A-Za-z0-9._-]*$/.test(basePath)) fail(`customDomain.basePath must be one path segment without slashes, not ${basePath}`);
  }
  for (const [name, t] of [
    ['throttle', p.throttle],
    ['authRouteThrottle', p.authRouteThrottle],
    ['refreshThrottle', p.refreshThrottle],
  ] as const) {
    if (!(t.rateLimit > 0) || !(t.burstLimit > 0)) fail(`${name} needs a positive rateLimit and burstLimit, got ${JSON.stringify(t)}`);
  }
  if (p.existingData) {
    for (const key of ['usersTable', 'sessionsTable', 'attemptsTable', 'auditTable', 'clientsTable'] as const) {
      const name = p.existingData[key];
      if (key === 'clientsTable' && name === undefined) continue;
      if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(name))
        fail(`existingData.${key} must be a DynamoDB table name, got ${JSON.stringify(name)}`);
    }
    if (!/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/.test(p.existingData.secretArn))
      fail(
        `existingData.secretArn must be the secret's complete ARN (from the SecretArn output), got ${JSON.stringify(p.existingData.secretArn)}`,
      );
  }
  if (!/^[A-Za-z0-9_]+$/.test(p.stageName)) fail(`stageName must be letters, digits or _, got ${JSON.stringify(p.stageName)}`);
  if (p.issuer !== undefined && !/^https:\/\//.test(p.issuer)) fail(`issuer must be an https URL, got ${JSON.stringify(p.issuer)}`);
  return p;
}

/** The props with their defaults, checked. */
export type ResolvedProps = ReturnType<typeof resolveProps>;
