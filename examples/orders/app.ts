import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AuthStack } from 'aws-auth-service';
import { OrdersStack } from './orders-stack';

/**
 * Two stacks, two teams: the auth service, and an orders service whose API it protects. This
 * folder is a package of its own that depends on aws-auth-service by a `file:` link and imports
 * only what the package exports, as another team's repository would: the proof that the public
 * surface is enough. `npm run synth` here (or `npx cdk deploy --all --app 'npx tsx app.ts'`).
 */
export function ordersExample(app: App): { auth: AuthStack; orders: OrdersStack } {
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const auth = new AuthStack(app, 'ExampleAuth', { env });
  const orders = new OrdersStack(app, 'ExampleOrders', { env, auth: auth.auth });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { auth, orders };
}

if (require.main === module) ordersExample(new App());
