import { Stack } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { GATEWAY_RESPONSES, gatewayResponseBody } from '../../functions/lib/contract/gateway-responses';
import { AUTH_PATH_PREFIX, OAUTH_PATH_PREFIX } from '../../functions/lib/contract/routes';
import type { AuthService } from './auth-service';

/**
 * A web ACL with two rate-based rules per source IP: a tight one on the routes that check a
 * password (login, register, password change: where guessing happens), and a looser one on the
 * rest of the auth routes and the OAuth endpoints (refresh, validate, sessions, tokens for
 * machine clients), so that many clients behind one NAT
 * address are not blocked at about one request a second.
 */
export function addWaf(
  scope: AuthService,
  limits: { credentials: number; authRoutes: number },
  credentialPaths: readonly string[],
  stageName: string,
): wafv2.CfnWebACL {
  const endsWith = (path: string) => ({
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint: 'ENDS_WITH',
      searchString: path.toLowerCase(),
      textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
    },
  });
  const paths = [...new Set(credentialPaths)];
  const block = { block: { customResponse: { responseCode: 429, customResponseBodyKey: 'throttled' } } };
  const acl = new wafv2.CfnWebACL(scope, 'WebAcl', {
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'auth-service', sampledRequestsEnabled: true },
    customResponseBodies: {
      throttled: { contentType: 'APPLICATION_JSON', content: gatewayResponseBody(GATEWAY_RESPONSES.THROTTLED) },
    },
    rules: [
      {
        name: 'credential-routes-rate-per-ip',
        priority: 0,
        action: block,
        statement: {
          rateBasedStatement: {
            limit: limits.credentials,
            evaluationWindowSec: 300,
            aggregateKeyType: 'IP',
            scopeDownStatement: paths.length === 1 ? endsWith(paths[0] as string) : { orStatement: { statements: paths.map(endsWith) } },
          },
        },
        visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'credential-routes-rate-per-ip', sampledRequestsEnabled: true },
      },
      {
        name: 'auth-routes-rate-per-ip',
        priority: 1,
        action: block,
        statement: {
          rateBasedStatement: {
            limit: limits.authRoutes,
            evaluationWindowSec: 300,
            aggregateKeyType: 'IP',
            scopeDownStatement: {
              orStatement: {
                statements: [AUTH_PATH_PREFIX, OAUTH_PATH_PREFIX].map((prefix) => ({
                  byteMatchStatement: {
                    fieldToMatch: { uriPath: {} },
                    positionalConstraint: 'CONTAINS',
                    searchString: prefix,
                    textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
                  },
                })),
              },
            },
          },
        },
        visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'auth-routes-rate-per-ip', sampledRequestsEnabled: true },
      },
    ],
  });
  new wafv2.CfnWebACLAssociation(scope, 'WebAclAssociation', {
    resourceArn: Stack.of(scope).formatArn({
      service: 'apigateway',
      account: '',
      resource: '/restapis',
      resourceName: `${scope.api.restApiId}/stages/${stageName}`,
    }),
    webAclArn: acl.attrArn,
  }).node.addDependency(scope.api.deploymentStage);
  return acl;
}
