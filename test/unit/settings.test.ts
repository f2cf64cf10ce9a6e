import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS, SETTINGS, settingProblem } from '../../functions/lib/contract/settings';
import { settingsTable } from '../../functions/lib/contract/setting-docs';
import { loadSettings } from '../../functions/lib/wiring/config';
import { LOCAL_SETTINGS, loadLocalSettings } from '../../local/settings';

describe('the settings table', () => {
  it("is the README's configuration table, as rendered from the declarations", () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const section = /<!-- settings:start -->\n([\s\S]*?)\n<!-- settings:end -->/.exec(readme)?.[1];
    expect(section).toBe(settingsTable());
  });

  it("is the README's table of the local runtime's settings too", () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const section = /<!-- local-settings:start -->\n([\s\S]*?)\n<!-- local-settings:end -->/.exec(readme)?.[1];
    expect(section).toBe(settingsTable(LOCAL_SETTINGS));
    expect(loadLocalSettings({})).toEqual({
      port: 3000,
      dataDir: '.data',
      authorizerCacheTtlSeconds: 300,
      trustedProxyHops: 0,
      dynamodb: 'start',
    });
    expect(loadLocalSettings({ AUTH_LOCAL_DYNAMODB: 'http://127.0.0.1:8123/' }).dynamodb).toBe('http://127.0.0.1:8123');
    expect(() => loadLocalSettings({ AUTH_LOCAL_DYNAMODB: 'http://db.example.com:8000' })).toThrow(
      'AUTH_LOCAL_DYNAMODB must be start or a loopback http URL, got "http://db.example.com:8000"',
    );
    expect(loadLocalSettings({ AUTH_TRUST_X_FORWARDED_FOR: 'true' }).trustedProxyHops).toBe(1);
    expect(() => loadLocalSettings({ PORT: 'eighty' })).toThrow('PORT must be an integer from 0 to 65535, got "eighty"');
  });

  it('declares a default that meets its own rule, and a distinct variable, for every setting', () => {
    for (const [key, spec] of Object.entries(SETTINGS)) expect([key, settingProblem(spec, spec.default)]).toEqual([key, undefined]);
    const names = Object.values(SETTINGS).map((s) => s.env);
    expect(new Set(names).size).toBe(names.length);
  });

  it('is what the loader reads: the defaults with no environment, each variable by its declared name', () => {
    expect(loadSettings({})).toEqual(DEFAULTS);
    expect(loadSettings({ [SETTINGS.lockoutFreePerIp.env]: '7', [SETTINGS.tokenDelivery.env]: 'cookie' })).toMatchObject({
      lockoutFreePerIp: 7,
      tokenDelivery: 'cookie',
    });
  });
});
