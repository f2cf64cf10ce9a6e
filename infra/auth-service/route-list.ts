import { createHash } from 'node:crypto';
import { Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { encodeRouteList, ROUTE_LIST_MAX_CHARS } from '../../functions/lib/contract/route-list';
import type { PolicyRoute } from '../../functions/lib/contract/routes';
import { ENV } from '../../functions/lib/wiring/config';

/**
 * The protected routes of one API, in an SSM parameter that its authorizer reads once per
 * container: not in the environment, whose 4 KB would hold about 35 routes. Routes may be added
 * until synth; a list past the parameter's 4 KB fails synth with a message, not the deploy.
 */
export class RouteList extends Construct {
  readonly parameterName: string;
  readonly parameterArn: string;
  private readonly routes: PolicyRoute[];

  constructor(scope: Construct, id: string, props: { parameterName: string; routes?: readonly PolicyRoute[] }) {
    super(scope, id);
    this.routes = [...(props.routes ?? [])];
    this.parameterName = props.parameterName;
    this.parameterArn = Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: props.parameterName.slice(1) });
    new ssm.StringParameter(this, 'Parameter', {
      parameterName: props.parameterName,
      description: 'The protected routes of one API, for the auth service authorizer (JSON; deflated and base64 beyond 4 KB)',
      stringValue: Lazy.string({ produce: () => this.encoded() }),
      tier: ssm.ParameterTier.STANDARD,
    });
    this.node.addValidation({ validate: () => this.tooLarge() });
  }

  /** Adds a route to the policy (its method is the caller's to create). */
  add(route: PolicyRoute): void {
    this.routes.push(route);
  }

  /**
   * For the authorizer's environment: where the list is, and a digest of it, so that a new list
   * changes the function's configuration and so starts new containers, which read it afresh.
   */
  environment(): Record<string, string> {
    return {
      [ENV.routesParameter]: this.parameterName,
      [ENV.routesDigest]: Lazy.string({ produce: () => createHash('sha256').update(this.encoded()).digest('base64url').slice(0, 16) }),
    };
  }

  grantRead(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['ssm:GetParameter'], resourceArns: [this.parameterArn] });
  }

  private encoded(): string {
    return encodeRouteList(this.routes);
  }

  private tooLarge(): string[] {
    const chars = this.encoded().length;
    if (chars <= ROUTE_LIST_MAX_CHARS) return [];
    return [
      `AuthService: the ${this.routes.length} protected routes of this API take ${chars} characters encoded, over the ` +
        `${ROUTE_LIST_MAX_CHARS} of an SSM parameter: split them across APIs (each protected API has its own list)`,
    ];
  }
}
