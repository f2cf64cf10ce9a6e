import { type Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { withAdminStepUp, type HttpMethod } from '../../functions/lib/contract/routes';
import { DEFAULTS } from '../../functions/lib/contract/settings';
import { addRoutes, createApi, servedRoutes } from './api';
import { addFunctions, type AuthFunctionName, type AuthorizerFactory } from './functions';
import { addKeyLifecycle, addKeyStore } from './keys';
import { addMonitoring } from './monitoring';
import { grantAccess, grantRecovery, grantVerifier } from './permissions';
import { resolveProps, type AuthServiceProps } from './props';
import { addTables } from './tables';
import { addMailOutbox, connectMailSender } from './mail';
import { addWaf } from './waf';
import { addGuardedMethod, checkSameEnvironment, ProtectedApi, type ProtectOptions, type RouteAccessOptions } from './protected-api';
import { RouteList } from './route-list';

export type { AuthServiceProps, ThrottleSettings } from './props';
export type { AuthFunctionName } from './functions';
export type { ProtectOptions, RouteAccessOptions } from './protected-api';
export { ProtectedApi } from './protected-api';

/**
 * The whole auth service: DynamoDB tables, the functions, a REST API whose routes come from
 * the route table, a REQUEST authorizer that other APIs can use too, secrets generated in AWS
 * and rotated on a schedule, WAF, throttling and logs.
 */
export class AuthService extends Construct {
  /** The REST API. Add your own routes with `addProtectedRoute`. */
  readonly api: apigw.RestApi;
  /** The Lambda authorizer, for methods of this API (another API: `protect`). */
  readonly authorizer: apigw.RequestAuthorizer;
  /** The authorizer's function of this API. */
  readonly authorizerFunction: lambda.IFunction;
  /** The protected routes of this API, which its authorizer's policy knows. */
  readonly routes: RouteList;
  readonly usersTable: dynamodb.ITable;
  readonly sessionsTable: dynamodb.ITable;
  /** Failed-login counters (with TTL). */
  readonly attemptsTable: dynamodb.ITable;
  /** The audit trail (with TTL). */
  readonly auditTable: dynamodb.ITable;
  /** OAuth clients: services that get machine tokens. */
  readonly clientsTable: dynamodb.ITable;
  /** Every function, by name. */
  readonly functions: Readonly<Record<AuthFunctionName, NodejsFunction>>;
  /** The secret with the signing keys and pepper (generated in AWS; never in the template). */
  readonly secret: secretsmanager.ISecret;
  /** SSM parameter with the public key set. */
  readonly publicJwksParameterName: string;
  /** The base URL clients call, ending in `/`: the custom domain's when there is one. */
  readonly url: string;
  /** The custom domain, when `customDomain` is set: point DNS at its `domainNameAliasDomainName`. */
  readonly domain?: apigw.DomainName;
  readonly issuer: string;
  readonly audience: string;
  /** The web ACL, when `waf` is on. */
  readonly webAcl?: wafv2.CfnWebACL;
  /** The operations dashboard. */
  readonly dashboard: cloudwatch.Dashboard;
  /**
   * How the functions read the secret and the parameters: through the Parameters and Secrets
   * extension, or with the SDK where the stack has no layer for it (see `paramsAndSecretsLayerArn`).
   */
  readonly secretsVia: 'extension' | 'sdk';
  /** The alarms, by name. */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  private readonly newAuthorizer: AuthorizerFactory;
  private readonly protectDefaults: { authorizerCacheTtl: Duration; allowedOrigins: readonly string[] };

  constructor(scope: Construct, id: string, props: AuthServiceProps = {}) {
    super(scope, id);
    // Every builder takes this construct as its scope: the construct paths, and so the logical
    // IDs, stay as they were (a new ID would make CloudFormation replace a retained table).
    const stack = Stack.of(this);
    const resolved = resolveProps(props);
    // The name this deployment goes by in the account, `<stack>/<construct id>`: its API's name
    // and its metrics' dimension, so that dev and prod stacks keep their own dashboards and alarms.
    const name = `${stack.stackName}/${this.node.path.slice(stack.node.path.length + 1)}`;
    const p = { ...resolved, settings: { metricsService: name, ...resolved.settings } };
    const removalPolicy = p.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const tables = addTables(this, p.retainData, removalPolicy, p.existingData);
    this.usersTable = tables.users;
    this.sessionsTable = tables.sessions;
    this.attemptsTable = tables.attempts;
    this.auditTable = tables.audit;
    this.clientsTable = tables.clients;

    const keyStore = addKeyStore(this, removalPolicy, p.existingData?.secretArn);
    this.secret = keyStore.secret;
    this.publicJwksParameterName = keyStore.parameterName;

    this.api = createApi(this, p, name);
    // The stage URL, built from the API id alone: `api.url` would make every function depend on
    // the deployment, which depends on the functions.
    const stageUrl = Fn.join('', ['https://', this.api.restApiId, '.execute-api.', stack.region, '.', stack.urlSuffix, '/', p.stageName]);
    if (p.customDomain) {
      const { domainName, certificate, basePath } = p.customDomain;
      this.domain = new apigw.DomainName(this, 'Domain', {
        domainName,
        certificate,
        endpointType: apigw.EndpointType.REGIONAL,
        securityPolicy: apigw.SecurityPolicy.TLS_1_2,
      });
      this.domain.addBasePathMapping(this.api, { basePath, stage: this.api.deploymentStage });
    }
    const domainUrl = p.customDomain && `https://${p.customDomain.domainName}${p.customDomain.basePath && `/${p.customDomain.basePath}`}`;
    this.url = domainUrl ? `${domainUrl}/` : this.api.url;
    this.issuer = p.issuer ?? domainUrl ?? stageUrl;
    this.audience = p.audience ?? Fn.join('', [this.issuer, '/api']);

    this.routes = new RouteList(this, 'Routes', {
      parameterName: `${this.routesParameterPrefix}/service`,
      // The admin routes need a second factor unless settings.adminRoutesRequireMfa is false.
      routes: withAdminStepUp(
        servedRoutes(p).filter((r) => r.access !== 'public'),
        { adminRoutesRequireMfa: p.settings.adminRoutesRequireMfa ?? DEFAULTS.adminRoutesRequireMfa },
      ),
    });
    const mail = p.email && addMailOutbox(this, p.email);
    const built = addFunctions(this, p, {
      tables,
      secretArn: this.secret.secretArn,
      parameterName: this.publicJwksParameterName,
      issuer: this.issuer,
      audience: this.audience,
      routes: this.routes,
      ...(mail && { mail }),
    });
    this.functions = built.functions;
    this.secretsVia = built.secretsVia;
    // An authorizer for another API reads what this API's does: the key set, and the tables of the revocation check.
    this.newAuthorizer = (where, routes, audience) => {
      const fn = built.newAuthorizer(where, routes, audience);
      grantVerifier(p, fn, tables, keyStore.parameterArn, { revocation: true, clients: true });
      return fn;
    };
    this.authorizerFunction = this.functions.authorizer;
    this.routes.grantRead(this.functions.authorizer);
    this.protectDefaults = { authorizerCacheTtl: p.authorizerCacheTtl, allowedOrigins: p.allowedOrigins };
    this.node.addValidation({ validate: () => environmentTooLarge(this.functions.authorizer) });
    grantAccess(p, this.functions, tables, { secretArn: this.secret.secretArn, parameterArn: keyStore.parameterArn });
    if (mail && built.mailFunctions) {
      for (const name of ['login', 'register', 'password', 'mfa'] as const) mail.queue.grantSendMessages(this.functions[name]);
      mail.queue.grantSendMessages(built.mailFunctions.recovery);
      grantRecovery(built.mailFunctions.recovery, tables, this.secret.secretArn);
      connectMailSender(this, mail, built.mailFunctions['mail-sender'], p.alarmTopic);
    }

    const keySetup = addKeyLifecycle(this, this.functions, keyStore);
    this.authorizer = addRoutes(this, p, { ...this.functions, ...built.mailFunctions, console: built.consoleFunction }, keySetup);

    ({ dashboard: this.dashboard, alarms: this.alarms } = addMonitoring(
      this,
      p.settings.metricsService,
      p.failedLoginAlarmThreshold,
      p.alarmTopic,
    ));

    if (p.waf) {
      const credentialPaths = servedRoutes(p)
        .filter((r) => r.throttle === 'credentials')
        .map((r) => r.path);
      this.webAcl = addWaf(
        this,
        { credentials: p.wafRateLimitPer5Minutes, authRoutes: p.wafAuthRoutesRateLimitPer5Minutes },
        credentialPaths,
        p.stageName,
      );
    } else {
      Validations.of(this.api.deploymentStage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: 'WAF switched off by the waf prop (for example a development stack)',
      });
    }
  }

  /**
   * Adds a method to this API behind the authorizer, and tells the authorizer's policy about
   * it: who may call it (`RouteAccessOptions`; none given: any signed-in user).
   */
  addProtectedRoute(path: string, method: HttpMethod, integration: apigw.Integration, options: RouteAccessOptions = {}): apigw.Method {
    return addGuardedMethod(this.api, this.authorizer, this.routes, { path, method, integration, ...options });
  }

  /**
   * Puts another API behind this service, usually one in another team's stack: it gets its own
   * authorizer there, over its own route list. Add its routes with `addRoute` on the result.
   * Calling it again for the same API returns the same `ProtectedApi`.
   */
  protect(api: apigw.IRestApi, options: ProtectOptions = {}): ProtectedApi {
    if (api === this.api) throw new Error("AuthService.protect: this is the service's own API; use addProtectedRoute");
    checkSameEnvironment(this, api);
    if (options.audience !== undefined && !/^https:\/\/[^\s]+$/.test(options.audience)) {
      throw new Error(`AuthService.protect: audience must be an https URI, got ${JSON.stringify(options.audience)}`);
    }
    const existing = api.node.tryFindChild('AuthService');
    if (existing instanceof ProtectedApi) return existing;
    return new ProtectedApi(api, 'AuthService', {
      api,
      newAuthorizer: this.newAuthorizer,
      authorizerCacheTtl: this.protectDefaults.authorizerCacheTtl,
      allowedOrigins: options.allowedOrigins ?? this.protectDefaults.allowedOrigins,
      audience: options.audience,
      routesParameterPrefix: this.routesParameterPrefix,
    });
  }

  /** The route lists of this API and of every protected one live under this SSM path. */
  private get routesParameterPrefix(): string {
    return `/auth-service/${this.node.addr}/routes`;
  }
}

/** Lambda's limit on a function's environment: every key and value, 4 KB in all. */
const LAMBDA_ENVIRONMENT_BYTES = 4096;
/** What a value resolved only at deploy time (a table name, an ARN) is counted as. */
const REFERENCE_BYTES = 100;

/**
 * Fails synth with a message, rather than the deploy with a rollback, when the authorizer's
 * environment (every setting, and where its routes are) passes Lambda's 4 KB.
 */
function environmentTooLarge(fn: NodejsFunction): string[] {
  const { variables = {} } = (Stack.of(fn).resolve((fn.node.defaultChild as lambda.CfnFunction).environment) ?? {}) as {
    variables?: Record<string, unknown>;
  };
  const bytes = Object.entries(variables).reduce((n, [k, v]) => n + k.length + (typeof v === 'string' ? v.length : REFERENCE_BYTES), 0);
  if (bytes <= LAMBDA_ENVIRONMENT_BYTES) return [];
  return [
    `AuthService: the authorizer's environment would take about ${bytes} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_BYTES}: ` +
      'shorten the long settings (issuer, audience, allowed origins)',
  ];
}
