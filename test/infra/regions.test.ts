import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { AuthService, type AuthServiceProps } from '../../infra/auth-service';
import { newApp } from './synth';

/** Every commercial region aws-cdk-lib knows. */
const REGIONS = RegionInfo.regions.filter((r) => r.partition === 'aws').map((r) => r.name);
const hasLayer = (region: string) => RegionInfo.get(region).paramsAndSecretsLambdaLayerArn('1.0.103', 'arm64') !== undefined;
/** What a team in that region copies from AWS's list of the extension's ARNs (the account is made up here). */
const layerArnIn = (region: string) => `arn:aws:lambda:${region}:123456789012:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:20`;

function synthIn(region: string | undefined, props: AuthServiceProps = {}) {
  const stack = new Stack(newApp({ bundle: false }), 'Auth', region ? { env: { account: '123456789012', region } } : {});
  const auth = new AuthService(stack, 'Auth', props);
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, { Type: string; Properties: { Layers?: unknown[] } }>;
  };
  return Object.assign(template, { secretsVia: auth.secretsVia });
}
const layersOf = (template: ReturnType<typeof synthIn>) =>
  Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function')
    .flatMap((r) => r.Properties.Layers ?? []);

describe('regions', () => {
  it('knows the commercial regions, some without the extension layer', () => {
    expect(REGIONS.length).toBeGreaterThanOrEqual(30);
    expect(REGIONS.filter((r) => !hasLayer(r))).toEqual(expect.arrayContaining(['eu-central-2', 'il-central-1', 'ca-west-1']));
  });

  it.each(REGIONS)('synthesizes in %s: the extension where aws-cdk-lib knows its layer, else the SDK; a given layer ARN wins', (region) => {
    const byDefault = synthIn(region);
    expect(byDefault.secretsVia).toBe(hasLayer(region) ? 'extension' : 'sdk');
    expect(layersOf(byDefault).length > 0).toBe(hasLayer(region));
    expect(JSON.stringify(byDefault)).not.toContain('Fn::FindInMap');
    const pinned = synthIn(region, { paramsAndSecretsLayerArn: layerArnIn(region) });
    expect(pinned.secretsVia).toBe('extension');
    expect(new Set(layersOf(pinned))).toEqual(new Set([layerArnIn(region)]));
  });

  it('refuses a layer ARN of another region or of another shape', () => {
    expect(() => synthIn('eu-central-2', { paramsAndSecretsLayerArn: layerArnIn('eu-west-1') })).toThrow(
      "paramsAndSecretsLayerArn must be a layer version ARN in the stack's region",
    );
    expect(() => synthIn('eu-central-2', { paramsAndSecretsLayerArn: 'arn:aws:lambda:eu-central-2:123:function:x' })).toThrow(
      'paramsAndSecretsLayerArn must be a layer version ARN',
    );
  });

  it('synthesizes an env-agnostic stack with no region lookup that could miss: the SDK, or the given layer', () => {
    const agnostic = synthIn(undefined);
    expect(agnostic.secretsVia).toBe('sdk');
    expect(layersOf(agnostic)).toEqual([]);
    expect(JSON.stringify(agnostic)).not.toContain('Fn::FindInMap');
    const pinned = synthIn(undefined, { paramsAndSecretsLayerArn: layerArnIn('eu-central-2') });
    expect(pinned.secretsVia).toBe('extension');
    expect(JSON.stringify(pinned)).not.toContain('Fn::FindInMap');
  });
});
