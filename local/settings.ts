import { AUTHORIZER_CACHE_SECONDS } from '../functions/lib/contract/routes';
import { parseSetting, type SettingSpec } from '../functions/lib/contract/settings';

/**
 * The local runtime's own settings (the functions' are in `functions/lib/contract/settings.ts`),
 * declared the same way: the runtime reads them, and the README's table is rendered from them.
 */
export const LOCAL_SETTINGS = {
  port: { env: 'PORT', kind: 'int', default: 3000, min: 0, max: 65_535, doc: 'port on 127.0.0.1' },
  dataDir: { env: 'AUTH_DATA_DIR', kind: 'text', default: '.data', doc: 'data directory' },
  authorizerCacheTtlSeconds: {
    env: 'AUTH_AUTHORIZER_CACHE_TTL_SECONDS',
    kind: 'int',
    default: AUTHORIZER_CACHE_SECONDS.default,
    min: 0,
    max: AUTHORIZER_CACHE_SECONDS.max,
    doc: "authorizer result cache per token and route, as API Gateway's; 0 turns it off",
  },
  trustedProxyHops: {
    env: 'AUTH_TRUST_X_FORWARDED_FOR',
    kind: 'int',
    default: 0,
    min: 0,
    max: 10,
    doc:
      'behind N trusted proxies (`true` is 1, `false` 0): the source IP is the Nth `X-Forwarded-For` address from the right, ' +
      'the one the outermost trusted proxy appended; what the client wrote to its left is never used',
  },
  dynamodb: {
    env: 'AUTH_LOCAL_DYNAMODB',
    kind: 'text',
    default: 'start',
    doc:
      '`start` runs DynamoDB Local; or the URL of one you run yourself (the soak does, to kill and restart it), ' +
      "holding the data directory's database (its `dynamodb-credentials.json`)",
  },
} as const satisfies Record<string, SettingSpec>;

/** A local setting is malformed; the message names it and the value. */
export class LocalSettingError extends Error {
  override name = 'LocalSettingError';
}

/** The local settings from the environment. */
export function loadLocalSettings(env: Readonly<Record<string, string | undefined>> = process.env) {
  const read = <K extends keyof typeof LOCAL_SETTINGS>(key: K, alias?: (raw: string) => string) => {
    const spec = LOCAL_SETTINGS[key];
    const raw = env[spec.env];
    const parsed = parseSetting(spec, raw === undefined || !alias ? raw : alias(raw.trim().toLowerCase()));
    if ('problem' in parsed) throw new LocalSettingError(parsed.problem);
    return parsed.value;
  };
  return {
    port: read('port') as number,
    dataDir: read('dataDir') as string,
    authorizerCacheTtlSeconds: read('authorizerCacheTtlSeconds') as number,
    trustedProxyHops: read('trustedProxyHops', (raw) => ({ true: '1', false: '0' })[raw] ?? raw) as number,
    dynamodb: dynamodbUrl(read('dynamodb') as string),
  };
}

/** `start`, or a loopback URL: the runtime's credentials never travel to another host. */
function dynamodbUrl(raw: string): 'start' | string {
  if (raw === 'start') return raw;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (url?.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new LocalSettingError(`AUTH_LOCAL_DYNAMODB must be start or a loopback http URL, got "${raw}"`);
  }
  return url.origin;
}
