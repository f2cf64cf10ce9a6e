import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { Template } from 'aws-cdk-lib/assertions';
import { ordersExample } from '../../examples/orders/app';
import { newApp, synthStack } from './synth';

/** cfn-lint (AWS's CloudFormation linter) where it is installed: CI machines have it. */
const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
if (!cfnLint) process.stderr.write('cfn-lint is not installed: the synthesized templates are not linted (pip install cfn-lint)\n');

/** The templates, with the props that change their shape most. */
const VARIANTS = {
  defaults: {},
  everySwitch: {
    selfRegistration: true,
    tracing: true,
    revocationCheck: false,
    waf: false,
    retainData: false,
    allowedOrigins: ['https://app.example.com'],
    tokenDelivery: 'cookie' as const,
    apiGatewayAccount: true,
    adminConsole: true,
  },
  severalOrigins: { allowedOrigins: ['https://a.example.com', 'https://b.example.com'], wafRateLimitPer5Minutes: 100 },
  mail: { email: { identity: 'example.com', from: 'no-reply@example.com', appUrl: 'https://app.example.com' } },
  existingData: {
    existingData: {
      usersTable: 'Old-Users',
      sessionsTable: 'Old-Sessions',
      attemptsTable: 'Old-Attempts',
      auditTable: 'Old-Audit',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AuthSecrets-AbC123',
    },
  },
  customDomain: {
    customDomain: {
      domainName: 'auth.example.com',
      basePath: 'auth',
      certificate: acm.Certificate.fromCertificateArn(
        new Stack(),
        'Cert',
        'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
      ),
    },
  },
};

/** The errors cfn-lint reports on these templates, one line each. */
function lintErrors(templates: Record<string, unknown>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
  const files = Object.entries(templates).map(([name, template]) => {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(template));
    return file;
  });
  // cfn-lint exits 2, 4 or 6 when it reports something; the JSON on stdout says what.
  // The region the stacks are synthesized for, named: cfn-lint would take AWS_REGION, which other suites set.
  const run = spawnSync('cfn-lint', ['--format', 'json', '--regions', 'eu-west-1', '--', ...files], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.stdout.trim() === '') throw new Error(`cfn-lint failed (${run.status ?? run.signal}): ${run.stderr || run.error?.message}`);
  const findings = JSON.parse(run.stdout) as { Level: string; Rule: { Id: string }; Message: string; Filename: string }[];
  return findings.filter((f) => f.Level === 'Error').map((f) => `${f.Filename}: ${f.Rule.Id} ${f.Message}`);
}

(cfnLint ? describe : describe.skip)('cfn-lint on the synthesized templates', () => {
  it('reports a broken template (the harness can fail)', () => {
    const broken = { Resources: { Table: { Type: 'AWS::DynamoDB::Table', Properties: { Unknown: 1 } } } };
    expect(lintErrors({ broken }).join('\n')).toMatch(/E3002/);
  });

  it('finds no errors in any variant', () => {
    const templates = Object.fromEntries(
      Object.entries(VARIANTS).map(([name, props]) => [name, synthStack(props, { bundle: false }).template.toJSON()]),
    );
    expect(lintErrors(templates)).toEqual([]);
  }, 120_000);

  it('finds no errors in the examples app: the auth stack and the orders stack with its own authorizer', () => {
    const { auth, orders } = ordersExample(newApp({ bundle: false }));
    expect(lintErrors({ exampleAuth: Template.fromStack(auth).toJSON(), exampleOrders: Template.fromStack(orders).toJSON() })).toEqual([]);
  }, 120_000);
});
