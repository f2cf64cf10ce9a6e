import { Stack } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { GATEWAY_RESPONSES, gatewayResponseBody } from '../../functions/lib/contract/gateway-responses';
import { AUTH_PATH_PREFIX } from '../../functions/lib/contract/routes';
import type { AuthService } from './auth-service';

/** A web ACL with a rate-based rule per source IP on the auth routes, on the API's stage. */
export function addWaf(scope: AuthService, limit: number, stageName: string): wafv2.CfnWebACL {
  const acl = new wafv2.CfnWebACL(scope, 'WebAcl', {
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
                searchString: AUTH_PATH_PREFIX,
                textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
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
