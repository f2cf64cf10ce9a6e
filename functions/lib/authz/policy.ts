import type { PolicyDocument } from 'aws-lambda';

/** `arn:aws:execute-api:region:account:apiId/stage` of a method ARN, or undefined if it is not one. */
export function apiStageArn(methodArn: string): string | undefined {
  const match = /^(arn:[^:]+:execute-api:[^:]+:[^:]+:[^/:]+\/[^/]+)\//.exec(methodArn);
  return match?.[1];
}

/** The execute-api resource of every request to one route: path parameters become wildcards. */
export const routeArn = (stageArn: string, method: string, resourcePath: string): string =>
  `${stageArn}/${method}${resourcePath.replace(/\{[^}]+\}/g, '*')}`;

/**
 * The policy for one route. API Gateway caches it by the Authorization header *and* the route
 * (`AUTHORIZER_IDENTITY_SOURCES`: method and resource path), so it is only ever applied to
 * requests for this same route, and never needs to say anything about another. That is what
 * keeps it exact: IAM's `*` also matches `/`, so no policy that names several routes with
 * wildcards can avoid matching paths of other routes.
 */
export function buildPolicy(stageArn: string, method: string, resourcePath: string, permitted: boolean): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Action: 'execute-api:Invoke', Effect: permitted ? 'Allow' : 'Deny', Resource: [routeArn(stageArn, method, resourcePath)] },
    ],
  };
}
