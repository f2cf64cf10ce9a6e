import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import cdkJson from '../../cdk.json';
import { AuthStack, type AuthStackProps } from '../../infra/auth-stack';

/** An app with cdk.json's context, as `cdk synth` builds it. */
export function newApp(options: { bundle?: boolean } = {}): App {
  return new App({
    context: { ...cdkJson.context, ...(options.bundle === false && { 'aws:cdk:bundling-stacks': [] }) },
  });
}

/** Synthesizes one stack (fixed account and region) and returns it with its template. */
export function synthStack(props: AuthStackProps['auth'] = {}, options: { bundle?: boolean; nag?: boolean } = {}) {
  const app = newApp(options);
  const stack = new AuthStack(app, 'TestAuth', { env: { account: '123456789012', region: 'eu-west-1' }, auth: props });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, template: Template.fromStack(stack) };
}
