import { ConfigError, DEFAULTS, ENV, loadConfig } from '../../functions/lib/wiring/config';

const base = {
  [ENV.usersTable]: 'users',
  [ENV.sessionsTable]: 'sessions',
  [ENV.attemptsTable]: 'attempts',
  [ENV.auditTable]: 'audit',
  [ENV.clientsTable]: 'clients',
  [ENV.issuer]: 'https://auth.example.com',
  [ENV.audience]: 'https://api.example.com',
  [ENV.secretsFile]: '/run/secrets.json',
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig(base)).toMatchObject({ ...DEFAULTS, dynamodbEndpoint: undefined, usersTable: 'users' });
  });

  it('names a missing variable', () => {
    expect(() => loadConfig({ ...base, [ENV.issuer]: undefined })).toThrow(new ConfigError('AUTH_ISSUER is required'));
  });

  it('names a malformed variable and its value', () => {
    expect(() => loadConfig({ ...base, [ENV.bcryptCost]: '9' })).toThrow(/AUTH_BCRYPT_COST must be an integer from 10 to 15, got "9"/);
    expect(() => loadConfig({ ...base, [ENV.accessTokenTtlSeconds]: '15m' })).toThrow(/AUTH_ACCESS_TOKEN_TTL_SECONDS.*"15m"/);
    expect(() => loadConfig({ ...base, [ENV.selfRegistration]: 'yes' })).toThrow(/AUTH_SELF_REGISTRATION must be true or false/);
    expect(() => loadConfig({ ...base, [ENV.issuer]: 'auth.example.com' })).toThrow(/AUTH_ISSUER must be an http\(s\) URL/);
  });

  it('reads the name of the route list parameter', () => {
    expect(loadConfig(base).routesParameter).toBeUndefined();
    expect(loadConfig({ ...base, [ENV.routesParameter]: ' /auth/routes ' }).routesParameter).toBe('/auth/routes');
  });

  it('refuses both a secrets file and a secret id', () => {
    expect(() => loadConfig({ ...base, [ENV.secretId]: 'arn:aws:secretsmanager:x' })).toThrow(/not both/);
  });

  it('reads every override', () => {
    const config = loadConfig({
      ...base,
      [ENV.accessTokenTtlSeconds]: '300',
      [ENV.selfRegistration]: 'true',
      [ENV.dynamodbEndpoint]: 'http://127.0.0.1:8000',
    });
    expect(config).toMatchObject({ accessTokenTtlSeconds: 300, selfRegistration: true, dynamodbEndpoint: 'http://127.0.0.1:8000' });
  });
});
