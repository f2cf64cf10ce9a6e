import { join } from 'node:path';
import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { AuthService } from 'aws-auth-service';

/** A team's service in its own stack: its own REST API, behind the auth service of another stack. */
export class OrdersStack extends Stack {
  readonly api: apigw.RestApi;

  constructor(scope: Construct, id: string, props: StackProps & { readonly auth: AuthService }) {
    super(scope, id, props);
    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: `${this.stackName}/orders`,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // The account's API Gateway logging role belongs to one stack only (see the README).
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'prod',
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        accessLogDestination: new apigw.LogGroupLogDestination(
          new logs.LogGroup(this, 'AccessLogs', { removalPolicy: RemovalPolicy.DESTROY }),
        ),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
      },
    });
    const fn = new NodejsFunction(this, 'OrdersFunction', {
      entry: join(__dirname, 'orders-handler.ts'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
    });
    const orders = new apigw.LambdaIntegration(fn, { scopePermissionToMethod: false });

    // Its own authorizer, in this stack, whose policy knows exactly these routes.
    const guarded = props.auth.protect(this.api);
    guarded.addRoute('/orders', 'GET', orders); // any signed-in user
    guarded.addRoute('/orders', 'POST', orders, { roles: ['orders:write', 'admin'] });
    guarded.addRoute('/orders/{id}', 'GET', orders);
    guarded.addRoute('/orders/{id}', 'DELETE', orders, { roles: ['admin'] });
    this.api.addRequestValidator('Validator', { validateRequestParameters: true });

    new CfnOutput(this, 'OrdersApiUrl', { value: this.api.url });
    for (const [id, reason] of Object.entries({
      'AwsSolutions-APIG2': 'the orders function validates its bodies; API Gateway checks declared parameters',
      'AwsSolutions-APIG3': 'an example; a production API adds a WAF web ACL as the auth stack does',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
        "the orders function's role uses AWS's basic execution policy; an example, kept short",
      'AwsSolutions-L1': 'Node.js 22 is the runtime the auth service supports and tests',
    })) {
      Validations.of(this).acknowledge({ id, reason });
    }
  }
}
