import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { isPermitted, type PolicyRoute } from './routes';

/** The caller as the authorizer passes it on: context values must be scalars, so roles are joined. */
export interface AuthorizerContext {
  readonly sub: string;
  readonly username: string;
  readonly roles: string;
  readonly sid: string;
}

/** `arn:aws:execute-api:region:account:apiId/stage` of a method ARN, or undefined if it is not one. */
export function apiStageArn(methodArn: string): string | undefined {
  const match = /^(arn:[^:]+:execute-api:[^:]+:[^:]+:[^/:]+\/[^/]+)\//.exec(methodArn);
  return match?.[1];
}

/** The execute-api resource of a route; path parameters become wildcards. */
const routeArn = (stageArn: string, route: PolicyRoute) => `${stageArn}/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`;

/**
 * A policy for the whole API, not just this request's route. API Gateway caches the policy
 * by identity source and reuses it for the caller's other routes, so a policy that named only
 * the current route would turn later calls into random 403s. Routes the caller's roles do not
 * permit are denied explicitly.
 */
export function buildPolicy(
  stageArn: string,
  routes: readonly PolicyRoute[],
  caller: { readonly sub: string; readonly roles: readonly string[] },
  context: AuthorizerContext,
): APIGatewayAuthorizerResult {
  const allow: string[] = [];
  const deny: string[] = [];
  // Protected routes grouped by their first two path segments (/api/admin, /api/auth...). A
  // group whose routes all get the same answer becomes one wildcard: a smaller policy, which
  // API Gateway evaluates and Lambda serializes on every call. Public routes never reach the
  // authorizer, so they do not split a group.
  const groups = new Map<string, PolicyRoute[]>();
  for (const route of routes) {
    if (route.access === 'public') continue;
    const prefix = route.path.split('/').slice(0, 3).join('/');
    groups.set(prefix, [...(groups.get(prefix) ?? []), route]);
  }
  for (const [prefix, members] of groups) {
    const permitted = members.map((r) => isPermitted(r, caller.roles));
    const uniform = permitted.every((p) => p === permitted[0]);
    if (uniform && members.length > 1 && members.every((r) => r.path !== prefix)) {
      (permitted[0] ? allow : deny).push(`${stageArn}/*${prefix}/*`);
      continue;
    }
    for (const [i, r] of members.entries()) (permitted[i] ? allow : deny).push(routeArn(stageArn, r));
  }
  const statement = (Effect: 'Allow' | 'Deny', Resource: string[]) => ({ Action: 'execute-api:Invoke', Effect, Resource });
  return {
    principalId: caller.sub,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [...(allow.length ? [statement('Allow', allow)] : []), ...(deny.length ? [statement('Deny', deny)] : [])],
    },
    context: { ...context },
  };
}
