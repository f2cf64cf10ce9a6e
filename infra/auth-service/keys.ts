import { CustomResource, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { PLACEHOLDER_TEMPLATE } from '../../functions/lib/contract/secret-placeholder';
import type { AuthService } from './auth-service';

/** The secret with the signing keys and pepper, and the name and ARN of the public-key parameter. */
export function addKeyStore(scope: AuthService, removalPolicy: RemovalPolicy, existingSecretArn?: string) {
  const parameterName = `/auth-service/${scope.node.addr}/public-jwks`;
  const parameterArn = Stack.of(scope).formatArn({ service: 'ssm', resource: 'parameter', resourceName: parameterName.slice(1) });
  // An earlier deployment's secret (`existingData`): used, never created or deleted here.
  if (existingSecretArn) {
    const secret: secretsmanager.ISecret = secretsmanager.Secret.fromSecretCompleteArn(scope, 'Secrets', existingSecretArn);
    return { secret, parameterName, parameterArn };
  }
  const secret = new secretsmanager.Secret(scope, 'Secrets', {
    description: 'Signing keys and password pepper of the auth service. Generated inside AWS by the key set-up; never in the template.',
    // A value that says it is a placeholder: the key set-up replaces only this (or no value),
    // and fails the deployment rather than overwrite a document it cannot parse.
    generateSecretString: {
      secretStringTemplate: JSON.stringify(PLACEHOLDER_TEMPLATE),
      generateStringKey: 'filler',
      excludePunctuation: true,
    },
    removalPolicy,
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'keys rotate in phases (publish, then sign a day later, then retire) by the daily rotate-keys function; ' +
      'Secrets Manager single-step rotation cannot hold a new key back until every verifier has seen it',
  });
  return { secret: secret as secretsmanager.ISecret, parameterName, parameterArn };
}

/**
 * First deploy: the key set-up custom resource generates the keys and pepper inside AWS (nothing
 * comes back to CloudFormation); then a daily schedule rotates them.
 */
export function addKeyLifecycle(
  scope: AuthService,
  functions: { readonly 'key-setup': NodejsFunction; readonly 'rotate-keys': NodejsFunction },
  store: { secret: secretsmanager.ISecret; parameterName: string },
): CustomResource {
  const provider = new cr.Provider(scope, 'KeySetupProvider', { onEventHandler: functions['key-setup'] });
  const keySetup = new CustomResource(scope, 'KeySetup', {
    serviceToken: provider.serviceToken,
    resourceType: 'Custom::AuthKeys',
    properties: { SecretId: store.secret.secretArn, ParameterName: store.parameterName },
  });
  new events.Rule(scope, 'KeyRotationSchedule', {
    description: 'Daily key rotation step: publish, promote or retire signing keys',
    schedule: events.Schedule.rate(Duration.days(1)),
    targets: [new targets.LambdaFunction(functions['rotate-keys'])],
  });
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'the CDK custom-resource framework function only writes its own logs',
  });
  Validations.of(provider).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${Stack.of(scope).getLogicalId(functions['key-setup'].node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
    reason: 'the CDK custom-resource framework invokes the key set-up function, any version of it',
  });
  return keySetup;
}
