import { join } from 'node:path';
import { CustomResource, Duration, Fn, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { DEFAULTS, ENV } from '../functions/lib/wiring/config';
import { GATEWAY_RESPONSES, gatewayResponseBody } from '../functions/lib/contract/gateway-responses';
import { PLACEHOLDER_TEMPLATE } from '../functions/lib/contract/secret-placeholder';
import { METRIC, METRICS_NAMESPACE } from '../functions/lib/telemetry/metrics';
import { isRole } from '../functions/lib/contract/roles';
import { AUTHORIZER_IDENTITY_SOURCES, ROUTES, type HandlerName, type HttpMethod, type PolicyRoute } from '../functions/lib/contract/routes';
import { SESSIONS_BY_USER_INDEX, TABLES, type KeyAttribute, type TableDefinition } from '../functions/lib/contract/tables';
import { nodejsBundling } from './bundling';

const ROOT = join(__dirname, '..');

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
}

type FunctionName = HandlerName | 'authorizer' | 'key-setup' | 'rotate-keys';

/**
 * The whole auth service: DynamoDB tables, the functions, a REST API whose routes come from
 * the route table, a REQUEST authorizer that other APIs can use too, secrets generated in AWS
 * and rotated on a schedule, WAF, throttling and logs.
 */
export class AuthService extends Construct {
  /** The REST API. Add your own routes with `addProtectedRoute`. */
  readonly api: apigw.RestApi;
  /** The Lambda authorizer, for methods of this API. */
  readonly authorizer: apigw.RequestAuthorizer;
  /** The authorizer's function, for a `RequestAuthorizer` on another API. */
  readonly authorizerFunction: lambda.IFunction;
  readonly usersTable: dynamodb.Table;
  readonly sessionsTable: dynamodb.Table;
  /** Failed-login counters (with TTL). */
  readonly attemptsTable: dynamodb.Table;
  /** The audit trail (with TTL). */
  readonly auditTable: dynamodb.Table;
  /** Every function, by name. */
  readonly functions: Readonly<Record<FunctionName, NodejsFunction>>;
  /** The secret with the signing keys and pepper (generated in AWS; never in the template). */
  readonly secret: secretsmanager.Secret;
  /** SSM parameter with the public key set. */
  readonly publicJwksParameterName: string;
  readonly issuer: string;
  readonly audience: string;
  /** The web ACL, when `waf` is on. */
  readonly webAcl?: wafv2.CfnWebACL;
  /** The operations dashboard. */
  readonly dashboard: cloudwatch.Dashboard;
  /** The alarms, by name. */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  private readonly extraRoutes: PolicyRoute[] = [];

  constructor(scope: Construct, id: string, props: AuthServiceProps = {}) {
    super(scope, id);
    const p = validate(props);
    const stack = Stack.of(this);
    const removalPolicy = p.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.usersTable = this.table('UsersTable', TABLES.users, p.retainData, removalPolicy);
    this.sessionsTable = this.table('SessionsTable', TABLES.sessions, p.retainData, removalPolicy);
    this.attemptsTable = this.table('AttemptsTable', TABLES.attempts, p.retainData, removalPolicy);
    this.auditTable = this.table('AuditTable', TABLES.audit, p.retainData, removalPolicy);

    this.secret = new secretsmanager.Secret(this, 'Secrets', {
      description: 'Signing keys and password pepper of the auth service. Generated inside AWS by the key set-up; never in the template.',
      // A value that says it is a placeholder: the key set-up replaces only this (or no value),
      // and fails the deployment rather than overwrite a document it cannot parse.
      generateSecretString: {
        secretStringTemplate: JSON.stringify(PLACEHOLDER_TEMPLATE),
        generateStringKey: 'filler',
        excludePunctuation: true,
      },
      removalPolicy,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'keys rotate in phases (publish, then sign a day later, then retire) by the daily rotate-keys function; ' +
        'Secrets Manager single-step rotation cannot hold a new key back until every verifier has seen it',
    });
    this.publicJwksParameterName = `/auth-service/${this.node.addr}/public-jwks`;
    const parameterArn = stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: this.publicJwksParameterName.slice(1) });

    this.api = new apigw.RestApi(this, 'Api', {
      description: 'Auth service: login, refresh, logout, validate, JWKS',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.DESTROY,
      deployOptions: {
        stageName: p.stageName,
        throttlingRateLimit: p.throttle.rateLimit,
        throttlingBurstLimit: p.throttle.burstLimit,
        // ERROR only, and never data traces: request bodies and headers hold passwords and tokens.
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        tracingEnabled: p.tracing,
        accessLogDestination: new apigw.LogGroupLogDestination(
          new logs.LogGroup(this, 'AccessLogs', { retention: p.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
        ),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
        methodOptions: Object.fromEntries(
          ROUTES.flatMap((r) => {
            const limit =
              r.handler === 'refresh'
                ? p.refreshThrottle
                : ['login', 'password'].includes(r.handler) || (r.handler === 'register' && p.selfRegistration)
                  ? p.authRouteThrottle
                  : undefined;
            return limit
              ? [[`${r.path}/${r.method}`, { throttlingRateLimit: limit.rateLimit, throttlingBurstLimit: limit.burstLimit }]]
              : [];
          }),
        ),
      },
      ...(p.allowedOrigins.length > 0 && {
        defaultCorsPreflightOptions: {
          allowOrigins: [...p.allowedOrigins],
          allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
          allowHeaders: ['Content-Type', 'Authorization', 'X-Requested-With'],
          allowCredentials: true,
          maxAge: Duration.hours(1),
        },
      }),
    });
    // The stage URL, built from the API id alone: `api.url` would make every function depend on
    // the deployment, which depends on the functions.
    const stageUrl = Fn.join('', ['https://', this.api.restApiId, '.execute-api.', stack.region, '.', stack.urlSuffix, '/', p.stageName]);
    this.issuer = p.issuer ?? stageUrl;
    this.audience = p.audience ?? Fn.join('', [this.issuer, '/api']);

    const common: Record<string, string> = {
      [ENV.usersTable]: this.usersTable.tableName,
      [ENV.sessionsTable]: this.sessionsTable.tableName,
      [ENV.attemptsTable]: this.attemptsTable.tableName,
      [ENV.auditTable]: this.auditTable.tableName,
      [ENV.issuer]: this.issuer,
      [ENV.audience]: this.audience,
      [ENV.accessTokenTtlSeconds]: String(p.accessTokenTtl.toSeconds()),
      [ENV.sessionTtlSeconds]: String(p.sessionTtl.toSeconds()),
      [ENV.bcryptCost]: String(p.bcryptCost),
      [ENV.selfRegistration]: String(p.selfRegistration),
      [ENV.keyRotationDays]: String(p.keyRotationInterval.toDays()),
      [ENV.revocationCheck]: String(p.revocationCheck),
      [ENV.auditRetentionDays]: String(p.auditRetention.toDays()),
      [ENV.tokenDelivery]: p.tokenDelivery,
      [ENV.allowedOrigins]: p.allowedOrigins.join(','),
      NODE_OPTIONS: '--enable-source-maps',
    };
    const privateEnv = { ...common, [ENV.secretId]: this.secret.secretArn };
    const publicEnv = { ...common, [ENV.publicJwksParameter]: this.publicJwksParameterName };
    // The AWS Parameters and Secrets Lambda Extension serves the secret and the parameter over
    // localhost, so no SDK client sits in these bundles.
    const extension = lambda.ParamsAndSecretsLayerVersion.fromVersion(lambda.ParamsAndSecretsVersions.V1_0_103, {
      cacheSize: 10,
      secretsManagerTtl: Duration.minutes(5),
      parameterStoreTtl: Duration.minutes(5),
    });

    // With the check off, the verify-only bundles are built without it, and so without the SDK.
    const verifyDefine: Record<string, string> = p.revocationCheck ? {} : { 'process.env.AUTH_REVOCATION_CHECK': '"false"' };
    const fn = (
      name: FunctionName,
      options: {
        memorySize: number;
        timeout: Duration;
        environment: Record<string, string>;
        extension?: boolean;
        define?: Record<string, string>;
      },
    ) =>
      this.fn(name, {
        ...options,
        // X-Ray tracing, when on, is a build-time switch too (Powertools Tracer is bundled only then).
        define: { ...(p.tracing && { 'process.env.AUTH_TRACING': '"true"' }), ...options.define },
        tracing: p.tracing,
        logRetention: p.logRetention,
        ...(options.extension && { paramsAndSecrets: extension }),
      });
    const api = { timeout: Duration.seconds(10) };
    const functions: Record<FunctionName, NodejsFunction> = {
      login: fn('login', { ...api, memorySize: p.passwordFunctionMemorySize, environment: privateEnv, extension: true }),
      register: fn('register', { ...api, memorySize: p.passwordFunctionMemorySize, environment: privateEnv, extension: true }),
      refresh: fn('refresh', { ...api, memorySize: 512, environment: privateEnv, extension: true }),
      logout: fn('logout', { ...api, memorySize: 512, environment: privateEnv, extension: true }),
      validate: fn('validate', { ...api, memorySize: 512, environment: publicEnv, extension: true, define: verifyDefine }),
      // The JWKS endpoint checks no token: built without the revocation check (and its SDK).
      jwks: fn('jwks', {
        ...api,
        memorySize: 256,
        environment: publicEnv,
        extension: true,
        define: { 'process.env.AUTH_REVOCATION_CHECK': '"false"' },
      }),
      me: fn('me', { ...api, memorySize: 256, environment: {} }),
      authorizer: fn('authorizer', {
        timeout: Duration.seconds(5),
        memorySize: 512,
        environment: { ...publicEnv, [ENV.extraRoutes]: Lazy.string({ produce: () => JSON.stringify(this.extraRoutes.map(toEnvRoute)) }) },
        extension: true,
        define: verifyDefine,
      }),
      sessions: fn('sessions', { ...api, memorySize: 512, environment: privateEnv, extension: true }),
      password: fn('password', { ...api, memorySize: p.passwordFunctionMemorySize, environment: privateEnv, extension: true }),
      admin: fn('admin', { ...api, memorySize: p.passwordFunctionMemorySize, environment: privateEnv, extension: true }),
      'key-setup': fn('key-setup', { timeout: Duration.minutes(1), memorySize: 512, environment: {} }),
      'rotate-keys': fn('rotate-keys', {
        timeout: Duration.minutes(1),
        memorySize: 512,
        environment: {
          ...common,
          [ENV.secretId]: this.secret.secretArn,
          [ENV.publicJwksParameter]: this.publicJwksParameterName,
          // A new key is published this long before it signs: longer than a verifier can hold an
          // old set (extension cache + our cache + JWKS max-age + authorizer cache), with margin.
          [ENV.keyPublishLeadSeconds]: String(Math.max(DEFAULTS.keyPublishLeadSeconds, 1500 + p.authorizerCacheTtl.toSeconds())),
        },
      }),
    };
    this.functions = functions;
    this.authorizerFunction = functions.authorizer;

    // Least privilege: each function gets only the actions it calls, on only its resources.
    // (`table.grant` would add the table's indexes too; no function reads an index.)
    const allow = (f: NodejsFunction, table: dynamodb.Table, ...actions: string[]) =>
      f.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [table.tableArn] }));
    const byUser = (f: NodejsFunction) =>
      f.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: [`${this.sessionsTable.tableArn}/index/${SESSIONS_BY_USER_INDEX}`],
        }),
      );
    const counters = ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'];
    allow(functions.login, this.usersTable, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    allow(functions.login, this.sessionsTable, 'dynamodb:PutItem');
    allow(functions.login, this.attemptsTable, ...counters);
    allow(functions.register, this.usersTable, 'dynamodb:PutItem');
    allow(functions.refresh, this.usersTable, 'dynamodb:GetItem');
    allow(functions.refresh, this.sessionsTable, 'dynamodb:UpdateItem');
    allow(functions.logout, this.sessionsTable, 'dynamodb:UpdateItem');
    allow(functions.sessions, this.usersTable, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    allow(functions.sessions, this.sessionsTable, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    byUser(functions.sessions);
    allow(functions.password, this.usersTable, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    // PutItem: replacing a temporary password opens a session, as login does.
    allow(functions.password, this.sessionsTable, 'dynamodb:UpdateItem', 'dynamodb:PutItem');
    allow(functions.password, this.attemptsTable, ...counters);
    byUser(functions.password);
    // ConditionCheckItem: a change that demotes or disables an admin commits only while another admin remains.
    allow(
      functions.admin,
      this.usersTable,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:Scan',
      'dynamodb:ConditionCheckItem',
    );
    allow(functions.admin, this.sessionsTable, 'dynamodb:UpdateItem');
    allow(functions.admin, this.auditTable, 'dynamodb:Query');
    byUser(functions.admin);
    // The functions that run the flows: they sign (private keys), hash (pepper) and audit.
    const flows = [
      functions.login,
      functions.register,
      functions.refresh,
      functions.logout,
      functions.sessions,
      functions.password,
      functions.admin,
    ];
    for (const f of flows) {
      allow(f, this.auditTable, 'dynamodb:PutItem');
      f.addToRolePolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.secret.secretArn] }));
    }
    if (p.revocationCheck) {
      for (const f of [functions.authorizer, functions.validate]) {
        allow(f, this.usersTable, 'dynamodb:BatchGetItem');
        allow(f, this.sessionsTable, 'dynamodb:BatchGetItem');
      }
    }

    // Verify-only functions read the public set and nothing else: no private key ever reaches them.
    for (const f of [functions.validate, functions.jwks, functions.authorizer]) {
      f.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [parameterArn] }));
    }
    functions['key-setup'].addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
        resources: [this.secret.secretArn],
      }),
    );
    functions['key-setup'].addToRolePolicy(
      new iam.PolicyStatement({ actions: ['ssm:PutParameter', 'ssm:DeleteParameter'], resources: [parameterArn] }),
    );
    functions['rotate-keys'].addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
        resources: [this.secret.secretArn],
      }),
    );
    functions['rotate-keys'].addToRolePolicy(
      new iam.PolicyStatement({ actions: ['ssm:GetParameter', 'ssm:PutParameter'], resources: [parameterArn] }),
    );

    // First deploy: generate the keys and pepper inside AWS. Nothing comes back to CloudFormation.
    const provider = new cr.Provider(this, 'KeySetupProvider', { onEventHandler: functions['key-setup'] });
    const keySetup = new CustomResource(this, 'KeySetup', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::AuthKeys',
      properties: { SecretId: this.secret.secretArn, ParameterName: this.publicJwksParameterName },
    });
    new events.Rule(this, 'KeyRotationSchedule', {
      description: 'Daily key rotation step: publish, promote or retire signing keys',
      schedule: events.Schedule.rate(Duration.days(1)),
      targets: [new targets.LambdaFunction(functions['rotate-keys'])],
    });

    this.authorizer = new apigw.RequestAuthorizer(this, 'Authorizer', {
      handler: functions.authorizer,
      // The token and the route: each cached policy then answers for one route only.
      identitySources: [
        apigw.IdentitySource.header(AUTHORIZER_IDENTITY_SOURCES.header),
        ...AUTHORIZER_IDENTITY_SOURCES.context.map((c) => apigw.IdentitySource.context(c)),
      ],
      resultsCacheTtl: p.authorizerCacheTtl,
    });

    for (const [type, response] of Object.entries(GATEWAY_RESPONSES)) {
      this.api.addGatewayResponse(`Gateway${type}`, {
        type: apigw.ResponseType.of(type),
        statusCode: String(response.statusCode),
        responseHeaders: Object.fromEntries(
          Object.entries({ 'Content-Type': 'application/json', ...('headers' in response ? response.headers : {}) }).map(([k, v]) => [
            k,
            `'${v}'`,
          ]),
        ),
        templates: { 'application/json': gatewayResponseBody(response) },
      });
    }

    // The functions validate bodies themselves (and say what is wrong); this checks what API
    // Gateway can: declared parameters.
    const validator = this.api.addRequestValidator('Validator', { validateRequestParameters: true, validateRequestBody: true });
    for (const route of ROUTES) {
      if (route.handler === 'register' && !p.selfRegistration) continue;
      const method = this.api.root
        .resourceForPath(route.path)
        .addMethod(route.method, new apigw.LambdaIntegration(functions[route.handler]), {
          requestValidator: validator,
          ...(route.access !== 'public' && { authorizer: this.authorizer, authorizationType: apigw.AuthorizationType.CUSTOM }),
        });
      if (route.access === 'public') {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} is a public auth endpoint: it is how callers obtain or check credentials`,
        });
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-COG4',
          reason: 'a public auth endpoint of this service; it has no authorizer at all',
        });
      } else {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-COG4',
          reason: 'this service replaces Cognito: its own Lambda authorizer verifies the JWTs it issues',
        });
      }
    }
    this.api.deploymentStage.node.addDependency(keySetup);
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: 'the account-level role API Gateway needs to write access logs; this managed policy is the one AWS documents for it',
    });
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'the CDK custom-resource framework function only writes its own logs',
    });
    Validations.of(provider).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(functions['key-setup'].node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: 'the CDK custom-resource framework invokes the key set-up function, any version of it',
    });

    ({ dashboard: this.dashboard, alarms: this.alarms } = this.addMonitoring(p.failedLoginAlarmThreshold, p.alarmTopic));

    if (p.waf) this.webAcl = this.addWaf(p.wafRateLimitPer5Minutes, p.stageName);
    else {
      Validations.of(this.api.deploymentStage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: 'WAF switched off by the waf prop (for example a development stack)',
      });
    }
  }

  /**
   * Adds a method to this API behind the authorizer, and tells the authorizer's policy about
   * it: callers need any one of `roles` (none given: any signed-in user).
   */
  addProtectedRoute(
    path: string,
    method: HttpMethod,
    integration: apigw.Integration,
    options: { roles?: readonly string[] } = {},
  ): apigw.Method {
    if (!path.startsWith('/')) throw new Error(`addProtectedRoute: path must start with /, got ${JSON.stringify(path)}`);
    for (const role of options.roles ?? []) {
      if (!isRole(role)) throw new Error(`addProtectedRoute: role ${JSON.stringify(role)} must be 1 to 64 letters, digits or _ . : -`);
    }
    this.extraRoutes.push({ method, path, access: { roles: [...(options.roles ?? [])] } });
    const m = this.api.root.resourceForPath(path).addMethod(method, integration, {
      authorizer: this.authorizer,
      authorizationType: apigw.AuthorizationType.CUSTOM,
    });
    Validations.of(m).acknowledge({ id: 'AwsSolutions-COG4', reason: 'protected by the auth service Lambda authorizer' });
    return m;
  }

  private table(id: string, def: TableDefinition, retain: boolean, removalPolicy: RemovalPolicy): dynamodb.Table {
    const attr = (k: KeyAttribute) => ({
      name: k.name,
      type: k.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
    });
    const table = new dynamodb.Table(this, id, {
      partitionKey: attr(def.partitionKey),
      ...(def.sortKey && { sortKey: attr(def.sortKey) }),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: retain,
      removalPolicy,
      ...(def.ttlAttribute && { timeToLiveAttribute: def.ttlAttribute }),
    });
    for (const index of def.globalSecondaryIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attr(index.partitionKey),
        ...(index.sortKey && { sortKey: attr(index.sortKey) }),
        projectionType: dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: [...index.nonKeyAttributes],
      });
    }
    return table;
  }

  private fn(
    name: FunctionName,
    o: {
      memorySize: number;
      timeout: Duration;
      environment: Record<string, string>;
      logRetention: logs.RetentionDays;
      paramsAndSecrets?: lambda.ParamsAndSecretsLayerVersion;
      define?: Record<string, string>;
      tracing: boolean;
    },
  ): NodejsFunction {
    const id = name.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());
    const logGroup = new logs.LogGroup(this, `${id}Logs`, { retention: o.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    // A role of our own: only this function's log group, no AWS managed policy.
    const role = new iam.Role(this, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(logGroup.node.defaultChild as logs.CfnLogGroup)}.Arn>]`,
      reason: 'the ARN of one log group ends in :* so that the function can write the log streams Lambda creates in it',
    });
    const f = new NodejsFunction(this, `${id}Function`, {
      entry: join(ROOT, 'functions', `${name}.ts`),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: o.memorySize,
      timeout: o.timeout,
      environment: o.environment,
      role,
      logGroup,
      bundling: nodejsBundling(o.define),
      tracing: o.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      projectRoot: ROOT,
      depsLockFilePath: join(ROOT, 'package-lock.json'),
      ...(o.paramsAndSecrets && { paramsAndSecrets: o.paramsAndSecrets }),
    });
    Validations.of(f).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime this service supports and tests; newer runtimes follow once tested',
    });
    return f;
  }

  /** A dashboard of the service's metrics, and alarms on what needs a human. */
  private addMonitoring(failedLoginThreshold: number, topic: sns.ITopic | undefined) {
    const period = Duration.minutes(5);
    const ours = (metricName: string, statistic = 'Sum') =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: 'auth' }, statistic, period });
    // DynamoDB publishes ThrottledRequests per table and operation; an alarm sums at most 10, so
    // these are the operations on the request path.
    const hot: [dynamodb.Table, string[]][] = [
      [this.usersTable, ['GetItem', 'UpdateItem', 'BatchGetItem']],
      [this.sessionsTable, ['PutItem', 'UpdateItem', 'BatchGetItem']],
      [this.attemptsTable, ['BatchGetItem', 'UpdateItem']],
      [this.auditTable, ['PutItem']],
    ];
    const throttles = hot.flatMap(([t, ops]) =>
      ops.map(
        (Operation) =>
          new cloudwatch.Metric({
            namespace: 'AWS/DynamoDB',
            metricName: 'ThrottledRequests',
            dimensionsMap: { TableName: t.tableName, Operation },
            statistic: 'Sum',
            period,
          }),
      ),
    );
    const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const a = new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (topic) a.addAlarmAction(new cloudwatchActions.SnsAction(topic));
      return a;
    };
    const alarms = {
      failedLogins: alarm(
        'FailedLoginsAlarm',
        ours(METRIC.loginFailed),
        failedLoginThreshold,
        'A spike in failed logins: credential stuffing or a broken client',
      ),
      reuseDetected: alarm(
        'ReuseDetectedAlarm',
        ours(METRIC.reuseDetected),
        1,
        'A rotated refresh token was used again: a stolen token, or a client bug',
      ),
      authorizerFailures: alarm(
        'AuthorizerFailuresAlarm',
        ours('AuthorizerFailure'),
        1,
        'The authorizer failed for reasons other than a bad token (keys, DynamoDB)',
      ),
      serverErrors: alarm(
        'ServerErrorsAlarm',
        this.api.metricServerError({ period, statistic: 'Average' }),
        0.05,
        'More than 5 % of API requests answered 5XX',
      ),
      dynamoThrottling: alarm(
        'DynamoDbThrottlingAlarm',
        new cloudwatch.MathExpression({
          expression: throttles.map((_, i) => `t${i}`).join('+'),
          usingMetrics: Object.fromEntries(throttles.map((m, i) => [`t${i}`, m])),
          period,
        }),
        1,
        'DynamoDB throttled requests of the auth service',
      ),
    };
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard');
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Logins',
        left: [ours(METRIC.loginSucceeded), ours(METRIC.loginFailed), ours(METRIC.loginThrottled)],
      }),
      new cloudwatch.GraphWidget({
        title: 'Sessions',
        left: [ours(METRIC.refreshed), ours(METRIC.revocations), ours(METRIC.reuseDetected)],
      }),
      new cloudwatch.GraphWidget({ title: 'Latency (ms)', left: [ours(METRIC.latency, 'p50'), ours(METRIC.latency, 'p99')] }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API errors',
        left: [this.api.metricClientError({ period }), this.api.metricServerError({ period })],
      }),
      new cloudwatch.GraphWidget({
        title: 'Authorizer',
        left: [ours('AuthorizerFailure'), this.functions.authorizer.metricDuration({ period, statistic: 'p99' })],
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(alarms) }),
    );
    return { dashboard, alarms };
  }

  private addWaf(limit: number, stageName: string): wafv2.CfnWebACL {
    const acl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'auth-service', sampledRequestsEnabled: true },
      customResponseBodies: {
        throttled: { contentType: 'APPLICATION_JSON', content: gatewayResponseBody(GATEWAY_RESPONSES.THROTTLED) },
      },
      rules: [
        {
          name: 'auth-routes-rate-per-ip',
          priority: 0,
          action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: 'throttled' } } },
          statement: {
            rateBasedStatement: {
              limit,
              evaluationWindowSec: 300,
              aggregateKeyType: 'IP',
              scopeDownStatement: {
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: 'CONTAINS',
                  searchString: '/api/auth/',
                  textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
                },
              },
            },
          },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'auth-routes-rate-per-ip', sampledRequestsEnabled: true },
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: Stack.of(this).formatArn({
        service: 'apigateway',
        account: '',
        resource: '/restapis',
        resourceName: `${this.api.restApiId}/stages/${stageName}`,
      }),
      webAclArn: acl.attrArn,
    }).node.addDependency(this.api.deploymentStage);
    return acl;
  }
}

const toEnvRoute = (r: PolicyRoute) => ({ method: r.method, path: r.path, roles: r.access === 'public' ? [] : r.access.roles });

/** Props with defaults applied, checked; a bad one fails synth with a message naming it. */
function validate(props: AuthServiceProps) {
  const p = {
    stageName: props.stageName ?? 'prod',
    issuer: props.issuer,
    audience: props.audience,
    accessTokenTtl: props.accessTokenTtl ?? Duration.seconds(DEFAULTS.accessTokenTtlSeconds),
    sessionTtl: props.sessionTtl ?? Duration.seconds(DEFAULTS.sessionTtlSeconds),
    bcryptCost: props.bcryptCost ?? DEFAULTS.bcryptCost,
    passwordFunctionMemorySize: props.passwordFunctionMemorySize ?? 1769,
    selfRegistration: props.selfRegistration ?? false,
    authorizerCacheTtl: props.authorizerCacheTtl ?? Duration.minutes(5),
    throttle: props.throttle ?? { rateLimit: 1000, burstLimit: 2000 },
    authRouteThrottle: props.authRouteThrottle ?? { rateLimit: 100, burstLimit: 200 },
    refreshThrottle: props.refreshThrottle ?? { rateLimit: 500, burstLimit: 1000 },
    allowedOrigins: props.allowedOrigins ?? [],
    waf: props.waf ?? true,
    wafRateLimitPer5Minutes: props.wafRateLimitPer5Minutes ?? 300,
    retainData: props.retainData ?? true,
    logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    keyRotationInterval: props.keyRotationInterval ?? Duration.days(DEFAULTS.keyRotationDays),
    revocationCheck: props.revocationCheck ?? DEFAULTS.revocationCheck,
    auditRetention: props.auditRetention ?? Duration.days(DEFAULTS.auditRetentionDays),
    tracing: props.tracing ?? false,
    tokenDelivery: props.tokenDelivery ?? DEFAULTS.tokenDelivery,
    alarmTopic: props.alarmTopic,
    failedLoginAlarmThreshold: props.failedLoginAlarmThreshold ?? 50,
  };
  const fail = (message: string): never => {
    throw new Error(`AuthService: ${message}`);
  };
  const inRange = (name: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) fail(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  };
  inRange('bcryptCost', p.bcryptCost, 10, 15);
  inRange('passwordFunctionMemorySize', p.passwordFunctionMemorySize, 128, 10_240);
  inRange('accessTokenTtl (seconds)', p.accessTokenTtl.toSeconds(), 60, 86_400);
  inRange('sessionTtl (seconds)', p.sessionTtl.toSeconds(), 300, 365 * 86_400);
  inRange('authorizerCacheTtl (seconds)', p.authorizerCacheTtl.toSeconds(), 0, 3600);
  inRange('wafRateLimitPer5Minutes', p.wafRateLimitPer5Minutes, 10, 2_000_000_000);
  inRange('keyRotationInterval (days)', p.keyRotationInterval.toDays(), 1, 3650);
  inRange('auditRetention (days)', p.auditRetention.toDays(), 1, 3650);
  inRange('failedLoginAlarmThreshold', p.failedLoginAlarmThreshold, 1, 1_000_000);
  for (const [name, t] of [
    ['throttle', p.throttle],
    ['authRouteThrottle', p.authRouteThrottle],
    ['refreshThrottle', p.refreshThrottle],
  ] as const) {
    if (!(t.rateLimit > 0) || !(t.burstLimit > 0)) fail(`${name} needs a positive rateLimit and burstLimit, got ${JSON.stringify(t)}`);
  }
  if (!/^[A-Za-z0-9_]+$/.test(p.stageName)) fail(`stageName must be letters, digits or _, got ${JSON.stringify(p.stageName)}`);
  for (const origin of p.allowedOrigins) {
    if (origin === '*') fail('allowedOrigins must list origins; "*" would let any site call the API');
    if (!URL.canParse(origin) || new URL(origin).origin !== origin)
      fail(`allowedOrigins entries must be origins like https://app.example.com, got ${JSON.stringify(origin)}`);
  }
  if (p.issuer !== undefined && !/^https:\/\//.test(p.issuer)) fail(`issuer must be an https URL, got ${JSON.stringify(p.issuer)}`);
  return p;
}
