import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AuthStack } from './auth-stack';

/** The CDK app: `npx cdk deploy` ships it. Context keys tune the service without code changes. */
const app = new App();
new AuthStack(app, app.node.tryGetContext('stackName') ?? 'AuthService', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  auth: {
    selfRegistration: app.node.tryGetContext('selfRegistration') === 'true' || app.node.tryGetContext('selfRegistration') === true,
    ...(app.node.tryGetContext('retainData') !== undefined && { retainData: String(app.node.tryGetContext('retainData')) !== 'false' }),
    ...(app.node.tryGetContext('waf') !== undefined && { waf: String(app.node.tryGetContext('waf')) !== 'false' }),
    apiGatewayAccount: String(app.node.tryGetContext('apiGatewayAccount')) === 'true',
    paramsAndSecretsLayerArn: app.node.tryGetContext('paramsAndSecretsLayerArn'),
  },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
