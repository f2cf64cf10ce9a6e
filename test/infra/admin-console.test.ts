import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { CONSOLE_CSP } from '../../functions/lib/contract/console';
import { ENV } from '../../functions/lib/wiring/config';
import { proxyEvent } from '../helpers/events';
import { synthStack } from './synth';

/**
 * The admin console on the deployed stack: its routes on the API, its function with nothing but
 * the issuer, and its asset as the construct bundles it, loaded and invoked with API Gateway's
 * events (the stage in the URL), as Lambda would.
 */
const ISSUER = 'https://abc.execute-api.eu-west-1.amazonaws.com/prod';
const { stack, template, app } = synthStack({ adminConsole: true, tokenDelivery: 'both' }, { nag: true });
const fn = stack.auth.node.findChild('ConsoleFunction');
const logicalId = stack.getLogicalId(fn.node.defaultChild as never);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** The console function's bundle directory in the cloud assembly (named by the asset's hash). */
function assetDir(): string {
  const code = resources[logicalId]?.Properties.Code as { S3Key: string };
  return join(app.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
}

describe('the admin console on the stack', () => {
  it('serves GET /admin, /admin/console.js and /admin/console.css, public, from its own function', () => {
    const served = stack.auth.api.methods.filter((m) => /^\/admin(\/|$)/.test(m.resource.path));
    expect(served.map((m) => `${m.httpMethod} ${m.resource.path}`).sort()).toEqual([
      'GET /admin',
      'GET /admin/console.css',
      'GET /admin/console.js',
    ]);
    for (const method of served) {
      const cfn = resources[stack.getLogicalId(method.node.defaultChild as never)]?.Properties;
      expect(cfn?.AuthorizationType).toBe('NONE');
      expect(JSON.stringify(cfn?.Integration)).toContain(`"Fn::GetAtt":["${logicalId}","Arn"]`);
    }
  });

  it('gives the function the issuer and nothing else: no table, no secret', () => {
    const props = resources[logicalId]?.Properties as { Environment: { Variables: Record<string, unknown> }; Role: unknown };
    expect(Object.keys(props.Environment.Variables).sort()).toEqual([ENV.issuer]);
    const role = (props.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const policies = Object.values(resources).filter(
      (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(role),
    );
    const actions = JSON.stringify(policies.map((p) => p.Properties.PolicyDocument));
    expect(actions).toContain('logs:PutLogEvents');
    expect(actions).not.toMatch(/dynamodb|secretsmanager|ssm|kms/i);
  });

  it('bundles the page, the style sheet and the browser script beside the code, and serves them under the stage', async () => {
    const dir = assetDir();
    const html = readFileSync(join(dir, 'console.html'), 'utf8');
    const script = readFileSync(join(dir, 'console.js'), 'utf8');
    expect(readFileSync(join(dir, 'console.css'), 'utf8')).toContain('.chart');
    expect(script).toContain('/api/admin/activity');
    expect(script).not.toMatch(/^import |require\(/m);

    process.env[ENV.issuer] = ISSUER;
    const { handler } = require(join(dir, 'index.js')) as { handler: (e: unknown) => Promise<APIGatewayProxyResult> };
    const page = await handler(proxyEvent({ method: 'GET', path: '/admin' }));
    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': CONSOLE_CSP,
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    });
    expect(page.body).toContain('src="/prod/admin/console.js"');
    expect(page.body).toContain('href="/prod/admin/console.css"');
    expect(page.body).not.toContain('"/admin/');
    expect(html).toContain('src="/admin/console.js"');

    const js = await handler(proxyEvent({ method: 'GET', path: '/admin/console.js' }));
    expect(js).toMatchObject({ statusCode: 200, body: script });
    expect(js.headers?.['Content-Type']).toBe('text/javascript; charset=utf-8');
    const unknown = await handler(proxyEvent({ method: 'GET', path: '/admin/other' }));
    expect(unknown.statusCode).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: 'not_found' });
  });

  it('passes cdk-nag with no unacknowledged finding', () => {
    const findings = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(findings).toEqual([]);
  });

  it('is refused at synth without the refresh cookie, which is its session', () => {
    expect(() => synthStack({ adminConsole: true }, { bundle: false })).toThrow(/adminConsole needs tokenDelivery 'cookie' or 'both'/);
  });

  it('is not there unless asked for', () => {
    const off = synthStack({}, { bundle: false });
    expect(off.stack.auth.node.tryFindChild('ConsoleFunction')).toBeUndefined();
    expect(off.stack.auth.api.methods.filter((m) => m.resource.path.startsWith('/admin/') || m.resource.path === '/admin')).toEqual([]);
  });
});
