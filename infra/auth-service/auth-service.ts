import { Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { isRole } from '../../functions/lib/contract/roles';
import type { HttpMethod, PolicyRoute } from '../../functions/lib/contract/routes';
import { addRoutes, createApi, servedRoutes } from './api';
import { addFunctions, type AuthFunctionName } from './functions';
import { addKeyLifecycle, addKeyStore } from './keys';
import { addMonitoring } from './monitoring';
import { grantAccess } from './permissions';
import { resolveProps, type AuthServiceProps } from './props';
import { addTables } from './tables';
import { addWaf } from './waf';

export type { AuthServiceProps, ThrottleSettings } from './props';
export type { AuthFunctionName } from './functions';

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
  readonly functions: Readonly<Record<AuthFunctionName, NodejsFunction>>;
  /** The secret with the signing keys and pepper (generated in AWS; never in the template). */
  readonly secret: secretsmanager.Secret;
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
  /** The alarms, by name. */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  private readonly extraRoutes: PolicyRoute[] = [];

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

    const tables = addTables(this, p.retainData, removalPolicy);
    this.usersTable = tables.users;
    this.sessionsTable = tables.sessions;
    this.attemptsTable = tables.attempts;
    this.auditTable = tables.audit;

    const keyStore = addKeyStore(this, removalPolicy);
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

    this.functions = addFunctions(this, p, {
      tables,
      secretArn: this.secret.secretArn,
      parameterName: this.publicJwksParameterName,
      issuer: this.issuer,
      audience: this.audience,
      extraRoutes: () => this.extraRoutes,
    });
    this.authorizerFunction = this.functions.authorizer;
    this.node.addValidation({ validate: () => environmentTooLarge(this.functions.authorizer, this.extraRoutes.length) });
    grantAccess(p, this.functions, tables, { secretArn: this.secret.secretArn, parameterArn: keyStore.parameterArn });

    const keySetup = addKeyLifecycle(this, this.functions, keyStore);
    this.authorizer = addRoutes(this, p, this.functions, keySetup);

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
}

/** Lambda's limit on a function's environment: every key and value, 4 KB in all. */
const LAMBDA_ENVIRONMENT_BYTES = 4096;
/** What a value resolved only at deploy time (a table name, an ARN) is counted as. */
const REFERENCE_BYTES = 100;

/**
 * Fails synth with a message, rather than the deploy with a rollback, when the authorizer's
 * environment (where the routes added with `addProtectedRoute` go) passes Lambda's 4 KB.
 */
function environmentTooLarge(fn: NodejsFunction, extraRoutes: number): string[] {
  const { variables = {} } = (Stack.of(fn).resolve((fn.node.defaultChild as lambda.CfnFunction).environment) ?? {}) as {
    variables?: Record<string, unknown>;
  };
  const bytes = Object.entries(variables).reduce((n, [k, v]) => n + k.length + (typeof v === 'string' ? v.length : REFERENCE_BYTES), 0);
  if (bytes <= LAMBDA_ENVIRONMENT_BYTES) return [];
  return [
    `AuthService: the authorizer's environment would take about ${bytes} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_BYTES}: ` +
      `the ${extraRoutes} routes added with addProtectedRoute are listed there. Use fewer or shorter paths.`,
  ];
}
