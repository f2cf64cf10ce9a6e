import { synthStack } from './synth';

/**
 * The synthesized templates, with asset hashes masked, held against a stored snapshot: a
 * restructuring of the construct must leave them unchanged. A changed logical ID would make
 * CloudFormation create new tables beside the retained ones.
 */
function masked(props: Parameters<typeof synthStack>[0]): unknown {
  const json = JSON.stringify(synthStack(props, { bundle: false }).template.toJSON());
  return JSON.parse(json.replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '<asset-hash>$1'));
}

describe('the synthesized template', () => {
  it('is unchanged with the default props', () => {
    expect(masked({})).toMatchSnapshot();
  });

  it('is unchanged with every switch turned', () => {
    expect(
      masked({
        selfRegistration: true,
        tracing: true,
        revocationCheck: false,
        waf: false,
        retainData: false,
        allowedOrigins: ['https://app.example.com'],
        tokenDelivery: 'cookie',
        adminConsole: true,
      }),
    ).toMatchSnapshot();
  });
});
