import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AuthStack } from '../../infra/auth-stack';
import { OrdersStack } from './orders-stack';

/**
 * Two stacks, two teams: the auth service, and an orders service whose API it protects.
 * `npx cdk synth --app 'npx tsx examples/orders/app.ts'` (or `deploy --all`).
 */
export function ordersExample(app: App): { auth: AuthStack; orders: OrdersStack } {
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const auth = new AuthStack(app, 'ExampleAuth', { env });
  const orders = new OrdersStack(app, 'ExampleOrders', { env, auth: auth.auth });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { auth, orders };
}

if (require.main === module) ordersExample(new App());
