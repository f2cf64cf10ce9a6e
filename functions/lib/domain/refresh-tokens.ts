import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

// Layout of a refresh token before base64url: sid | generation | secret | tag.
// The secret is 256 bits from the CSPRNG (RFC 9700 §4.14.2; ASVS 7.2.3). The tag is an HMAC
// under a server key, so a rotated token of any generation can be recognised as genuine
// (reuse detection) without storing every hash, and a forged token cannot revoke a session.
const SID_BYTES = 16;
const GENERATION_BYTES = 4;
const SECRET_BYTES = 32;
const TAG_BYTES = 16;
const TOKEN_BYTES = SID_BYTES + GENERATION_BYTES + SECRET_BYTES + TAG_BYTES;
const TOKEN_CHARS = Math.ceil((TOKEN_BYTES * 4) / 3);

/** What a genuine refresh token names: its session and its place in the rotation chain. */
export interface RefreshTokenId {
  readonly sid: string;
  readonly generation: number;
}

/** Mints and recognises refresh tokens. */
export interface RefreshTokens {
  mint(id: RefreshTokenId): string;
  /** The session and generation of a token this service minted, or undefined for anything else. */
  parse(token: string): RefreshTokenId | undefined;
}

/** A new random session id (128 bits, base64url). */
export const newSessionId = (): string => randomBytes(SID_BYTES).toString('base64url');

/** Derives a purpose-bound key from a secret (HKDF-SHA-256), so one secret never serves two uses. */
export const deriveKey = (secret: Uint8Array, purpose: string): Buffer =>
  Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), purpose, 32));

/** The only form in which a refresh token is stored: SHA-256, base64url. */
export const hashRefreshToken = (token: string): string => createHash('sha256').update(token).digest('base64url');

/**
 * Builds the minter over tag keys: the first one tags new tokens, all of them are accepted,
 * so the key can rotate.
 */
export function createRefreshTokens(tagKeys: readonly Buffer[]): RefreshTokens {
  const [currentKey] = tagKeys;
  if (!currentKey) throw new Error('refresh tokens need at least one tag key');
  const tag = (key: Buffer, body: Buffer) => createHmac('sha256', key).update(body).digest().subarray(0, TAG_BYTES);

  return {
    mint({ sid, generation }) {
      const sidBytes = Buffer.from(sid, 'base64url');
      if (sidBytes.length !== SID_BYTES) throw new Error('malformed session id');
      const gen = Buffer.alloc(GENERATION_BYTES);
      gen.writeUInt32BE(generation);
      const body = Buffer.concat([sidBytes, gen, randomBytes(SECRET_BYTES)]);
      return Buffer.concat([body, tag(currentKey, body)]).toString('base64url');
    },

    parse(token) {
      if (typeof token !== 'string' || token.length !== TOKEN_CHARS) return undefined;
      const bytes = Buffer.from(token, 'base64url');
      // Only the canonical encoding is accepted, so one token has exactly one spelling.
      if (bytes.length !== TOKEN_BYTES || bytes.toString('base64url') !== token) return undefined;
      const body = bytes.subarray(0, TOKEN_BYTES - TAG_BYTES);
      const presented = bytes.subarray(TOKEN_BYTES - TAG_BYTES);
      if (!tagKeys.some((key) => timingSafeEqual(tag(key, body), presented))) return undefined;
      return {
        sid: body.subarray(0, SID_BYTES).toString('base64url'),
        generation: body.readUInt32BE(SID_BYTES),
      };
    },
  };
}

// The successor of a rotated token is kept, for the grace window only, encrypted under a key
// derived from its parent. Only someone who holds the parent can read it back, and the table
// never holds a usable token in plaintext.
const successorKey = (parent: string) => deriveKey(Buffer.from(parent, 'base64url'), 'refresh-token/successor');

/** Encrypts `successor` under a key derived from `parent` (AES-256-GCM). */
export function sealSuccessor(parent: string, successor: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', successorKey(parent), iv);
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** Decrypts what `sealSuccessor` made; undefined if `parent` is not the right token. */
export function openSuccessor(parent: string, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, 'base64url');
  try {
    const decipher = createDecipheriv('aes-256-gcm', successorKey(parent), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
