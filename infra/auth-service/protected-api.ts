import { Stack, Token, Validations, type Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { isRole } from '../../functions/lib/contract/roles';
import { isScope } from '../../functions/lib/contract/scopes';
import type { HttpMethod } from '../../functions/lib/contract/routes';
import { addGatewayResponses, newRequestAuthorizer } from './api';
import type { AuthorizerFactory } from './functions';
import { RouteList } from './route-list';

/** Options of `AuthService.protect`. */
export interface ProtectOptions {
  /**
   * Browser origins of this API's callers: API Gateway's own errors (the authorizer's 401)
   * carry CORS headers for them, as the API's own answers should.
   * @default the auth service's `allowedOrigins`
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * The `aud` this API's tokens carry: a downstream API that clients get tokens for by token
   * exchange (RFC 8693) or with `resource` (RFC 8707), and that their registrations list.
   * @default the auth service's audience
   */
  readonly audience?: string;
}

/** What a protected API takes from the auth service that guards it. */
export interface ProtectedApiProps extends Required<Omit<ProtectOptions, 'audience'>>, Pick<ProtectOptions, 'audience'> {
  readonly api: apigw.IRestApi;
  readonly newAuthorizer: AuthorizerFactory;
  readonly authorizerCacheTtl: Duration;
  /** Where its route list goes: a name under the auth service's own prefix. */
  readonly routesParameterPrefix: string;
}

/**
 * Another API, usually in another team's stack, behind the auth service: its own authorizer
 * function (the service's code, keys and revocation check, in the API's stack) over its own
 * route list, so that the policy knows exactly this API's routes and stays right under API
 * Gateway's cache. Create it with `AuthService.protect(api)`.
 */
export class ProtectedApi extends Construct {
  readonly api: apigw.IRestApi;
  readonly authorizer: apigw.RequestAuthorizer;
  readonly authorizerFunction: NodejsFunction;
  readonly routes: RouteList;

  constructor(scope: Construct, id: string, props: ProtectedApiProps) {
    super(scope, id);
    this.api = props.api;
    this.routes = new RouteList(this, 'Routes', { parameterName: `${props.routesParameterPrefix}/${this.node.addr}` });
    this.authorizerFunction = props.newAuthorizer(this, this.routes, props.audience);
    this.routes.grantRead(this.authorizerFunction);
    this.authorizer = newRequestAuthorizer(this, 'Authorizer', this.authorizerFunction, props.authorizerCacheTtl);
    addGatewayResponses(props.api, props.allowedOrigins);
  }

  /**
   * Adds a method behind the authorizer, and the route to its policy (see `RouteAccessOptions`).
   */
  addRoute(path: string, method: HttpMethod, integration: apigw.Integration, options: RouteAccessOptions = {}): apigw.Method {
    return addGuardedMethod(this.api, this.authorizer, this.routes, { path, method, integration, ...options });
  }
}

/**
 * Who may call a protected route. Neither given: any signed-in user. `roles`: users holding any
 * one of them (an empty list: any user). `scopes`: machine clients whose token carries any one
 * of them. Both: either kind. A route without `roles` takes no user's token.
 */
export interface RouteAccessOptions {
  readonly roles?: readonly string[];
  readonly scopes?: readonly string[];
  /**
   * Users only with a second factor in this sign-in (or a step-up): `amr` has `mfa` (RFC 9470).
   * @default false
   */
  readonly mfa?: boolean;
  /**
   * Users only if they authenticated at most this long ago (`auth_time`; RFC 9470 `max_age`).
   * Checked on each call, never answered from the authorizer's own cache; API Gateway's cache
   * may keep an allowed answer for its TTL beyond it.
   * @default no limit
   */
  readonly maxAge?: Duration;
}

/** A method behind `authorizer`, with its route in `routes`: checked, so that a bad one fails synth. */
export function addGuardedMethod(
  api: apigw.IRestApi,
  authorizer: apigw.IAuthorizer,
  routes: RouteList,
  r: { path: string; method: HttpMethod; integration: apigw.Integration } & RouteAccessOptions,
): apigw.Method {
  if (!r.path.startsWith('/')) throw new Error(`AuthService: a protected route's path must start with /, got ${JSON.stringify(r.path)}`);
  for (const role of r.roles ?? []) {
    if (!isRole(role)) throw new Error(`AuthService: role ${JSON.stringify(role)} must be 1 to 64 letters, digits or _ . : -`);
  }
  if (r.scopes !== undefined && r.scopes.length === 0) throw new Error('AuthService: scopes, when given, must name at least one scope');
  for (const scope of r.scopes ?? []) {
    if (!isScope(scope)) throw new Error(`AuthService: scope ${JSON.stringify(scope)} must be an RFC 6749 §3.3 scope token`);
  }
  const roles = r.roles ?? (r.scopes ? undefined : []);
  routes.add({
    method: r.method,
    path: r.path,
    access: {
      ...(roles && { roles: [...roles] }),
      ...(r.scopes && { scopes: [...r.scopes] }),
      ...(r.mfa && { mfa: true }),
      ...(r.maxAge && { maxAge: r.maxAge.toSeconds() }),
    },
  });
  const m = api.root.resourceForPath(r.path).addMethod(r.method, r.integration, {
    authorizer,
    authorizationType: apigw.AuthorizationType.CUSTOM,
  });
  Validations.of(m).acknowledge({ id: 'AwsSolutions-COG4', reason: 'protected by the auth service Lambda authorizer' });
  return m;
}

/** The API's stack must be in the auth service's account and region: its authorizer reads the service's keys and tables there. */
export function checkSameEnvironment(service: Construct, api: Construct): void {
  const [a, b] = [Stack.of(service), Stack.of(api)];
  for (const key of ['region', 'account'] as const) {
    if (!Token.isUnresolved(a[key]) && !Token.isUnresolved(b[key]) && a[key] !== b[key]) {
      throw new Error(
        `AuthService.protect: the API's stack ${b.stackName} is in ${key} ${b[key]}, the auth service in ${a[key]}: use one ${key}`,
      );
    }
  }
}
