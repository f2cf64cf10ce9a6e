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
    // The admin console at <ApiUrl>admin: -c adminConsole=true (its session is the refresh cookie).
    ...(String(app.node.tryGetContext('adminConsole')) === 'true' && { adminConsole: true, tokenDelivery: 'both' as const }),
    paramsAndSecretsLayerArn: app.node.tryGetContext('paramsAndSecretsLayerArn'),
    // The tables and secret an earlier stack kept: -c existingData='{"usersTable":...,"secretArn":...}'
    ...(app.node.tryGetContext('existingData') !== undefined && { existingData: contextJson(app, 'existingData') }),
  },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

/** A context value given as JSON on the command line (or as an object in cdk.json). */
function contextJson(a: App, key: string) {
  const value: unknown = a.node.tryGetContext(key);
  if (typeof value !== 'string') return value as never;
  try {
    return JSON.parse(value) as never;
  } catch {
    throw new Error(`-c ${key} must be JSON, got ${value}`);
  }
}
