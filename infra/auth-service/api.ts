import { Duration, RemovalPolicy, Validations, type CustomResource } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  DENIAL_CHALLENGE_MAPPING,
  DENIAL_TEMPLATE,
  GATEWAY_RESPONSES,
  gatewayCorsHeaders,
  gatewayResponseBody,
} from '../../functions/lib/contract/gateway-responses';
import { AUTHORIZER_IDENTITY_SOURCES, CORS_PREFLIGHT, ROUTES } from '../../functions/lib/contract/routes';
import type { Construct } from 'constructs';
import type { AuthService } from './auth-service';
import type { AuthFunctionName, MailFunctionName } from './functions';
import type { ResolvedProps } from './props';

/** The routes this deployment serves: the route table, less those whose setting is off. */
// The mail routes are served where the `email` prop gives them an outbox.
export const servedRoutes = (p: ResolvedProps) =>
  ROUTES.filter((r) => r.enabledBy === undefined || (r.enabledBy === 'mail' ? p.email !== undefined : p[r.enabledBy]));

/** The REST API and its stage: throttles as capacity limits, JSON access logs, CORS for listed origins. */
export function createApi(scope: AuthService, p: ResolvedProps, name: string): apigw.RestApi {
  return new apigw.RestApi(scope, 'Api', {
    restApiName: name,
    description: 'Auth service: login, refresh, logout, validate, JWKS',
    endpointTypes: [apigw.EndpointType.REGIONAL],
    // The account-wide logging role: owned only on request, and then kept on delete.
    cloudWatchRole: p.apiGatewayAccount,
    ...(p.apiGatewayAccount && { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN }),
    deployOptions: {
      stageName: p.stageName,
      throttlingRateLimit: p.throttle.rateLimit,
      throttlingBurstLimit: p.throttle.burstLimit,
      // ERROR only, and never data traces: request bodies and headers hold passwords and tokens.
      loggingLevel: apigw.MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
      tracingEnabled: p.tracing,
      accessLogDestination: new apigw.LogGroupLogDestination(
        new logs.LogGroup(scope, 'AccessLogs', { retention: p.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
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
        servedRoutes(p).flatMap((r) => {
          const limit = r.throttle === 'refresh' ? p.refreshThrottle : r.throttle === 'credentials' ? p.authRouteThrottle : undefined;
          return limit ? [[`${r.path}/${r.method}`, { throttlingRateLimit: limit.rateLimit, throttlingBurstLimit: limit.burstLimit }]] : [];
        }),
      ),
    },
    ...(p.allowedOrigins.length > 0 && {
      defaultCorsPreflightOptions: {
        allowOrigins: [...p.allowedOrigins],
        allowMethods: [...CORS_PREFLIGHT.methods],
        allowHeaders: [...CORS_PREFLIGHT.headers],
        allowCredentials: true,
        maxAge: Duration.seconds(CORS_PREFLIGHT.maxAgeSeconds),
      },
    }),
  });
}

/**
 * The authorizer, the Gateway Responses, and a method for every route of the route table, all
 * once the keys exist (the stage goes live only after the key set-up).
 */
/** A REQUEST authorizer keyed on the token and the route: each cached policy then answers for one route only. */
export function newRequestAuthorizer(scope: Construct, id: string, handler: lambda.IFunction, cacheTtl: Duration): apigw.RequestAuthorizer {
  return new apigw.RequestAuthorizer(scope, id, {
    handler,
    identitySources: [
      apigw.IdentitySource.header(AUTHORIZER_IDENTITY_SOURCES.header),
      ...AUTHORIZER_IDENTITY_SOURCES.context.map((c) => apigw.IdentitySource.context(c)),
    ],
    resultsCacheTtl: cacheTtl,
  });
}

/** API Gateway's own errors (the authorizer's 401 and 403, throttling, 5XX) as our JSON errors, with CORS. */
export function addGatewayResponses(api: apigw.IRestApi, allowedOrigins: readonly string[]): void {
  for (const [type, response] of Object.entries(GATEWAY_RESPONSES)) {
    // A denial says why, from the authorizer's context: its error, and its challenge.
    const denial = type === 'ACCESS_DENIED';
    new apigw.GatewayResponse(api, `Gateway${type}`, {
      restApi: api,
      type: apigw.ResponseType.of(type),
      statusCode: String(response.statusCode),
      responseHeaders: {
        ...Object.fromEntries(
          Object.entries({
            'Content-Type': 'application/json',
            ...('headers' in response ? response.headers : {}),
            ...gatewayCorsHeaders(allowedOrigins),
          }).map(([k, v]) => [k, `'${v}'`]),
        ),
        ...(denial && { 'WWW-Authenticate': DENIAL_CHALLENGE_MAPPING }),
      },
      templates: { 'application/json': denial ? DENIAL_TEMPLATE : gatewayResponseBody(response) },
    });
  }
}

export function addRoutes(
  scope: AuthService,
  p: ResolvedProps,
  functions: Record<AuthFunctionName, NodejsFunction> & Partial<Record<MailFunctionName | 'console', NodejsFunction>>,
  keySetup: CustomResource,
): apigw.RequestAuthorizer {
  const authorizer = newRequestAuthorizer(scope, 'Authorizer', functions.authorizer, p.authorizerCacheTtl);
  addGatewayResponses(scope.api, p.allowedOrigins);

  // The functions validate bodies themselves (and say what is wrong); this checks what API
  // Gateway can: declared parameters.
  const validator = scope.api.addRequestValidator('Validator', { validateRequestParameters: true, validateRequestBody: true });
  for (const route of servedRoutes(p)) {
    // One invoke permission per function for this API, not two per method (the method and the
    // console's test-invoke): 35 fewer resources against CloudFormation's 500.
    const handler = functions[route.handler];
    if (!handler) throw new Error(`AuthService: no function serves ${route.method} ${route.path}`);
    const integration = new apigw.LambdaIntegration(handler, { scopePermissionToMethod: false });
    const method = scope.api.root.resourceForPath(route.path).addMethod(route.method, integration, {
      requestValidator: validator,
      ...(route.access !== 'public' && { authorizer, authorizationType: apigw.AuthorizationType.CUSTOM }),
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
  scope.api.deploymentStage.node.addDependency(keySetup);
  Validations.of(scope.api).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    reason: 'the account-level role API Gateway needs to write access logs; this managed policy is the one AWS documents for it',
  });
  return authorizer;
}
