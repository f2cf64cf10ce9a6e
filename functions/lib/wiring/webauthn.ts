import { ConfigError, ENV } from './config';

/**
 * WebAuthn (passkeys): the relying party id, a registrable domain of the pages that call
 * `navigator.credentials`, and those pages' exact origins. Read apart from `loadConfig`, by the
 * flows' composition root only: no verifier needs it.
 */
export interface WebAuthnConfig {
  readonly rpId: string;
  readonly origins: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** The relying party: from its variables, or from the first allowed origin (else the issuer's origin), and its host name. */
export function loadWebAuthnConfig(issuer: string, allowedOrigins: readonly string[], env: Env = process.env): WebAuthnConfig {
  const listed = (env[ENV.webauthnOrigins] ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of listed) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new ConfigError(`${ENV.webauthnOrigins} must list origins like https://app.example.com, got ${JSON.stringify(origin)}`);
    }
  }
  const origins = listed.length > 0 ? listed : allowedOrigins.length > 0 ? [...allowedOrigins] : [new URL(issuer).origin];
  const rpId = env[ENV.webauthnRpId]?.trim() || new URL(origins[0] as string).hostname;
  // WebAuthn §5.1.3 and §13.4.9: the RP id is the origins' host or a registrable suffix of it.
  for (const origin of origins) {
    const host = new URL(origin).hostname;
    if (host !== rpId && !host.endsWith(`.${rpId}`)) {
      throw new ConfigError(`${ENV.webauthnRpId} ${JSON.stringify(rpId)} is not the host, or a parent domain, of ${origin}`);
    }
  }
  return { rpId, origins };
}
