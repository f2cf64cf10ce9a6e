import { randomBytes } from 'node:crypto';
import {
  createRefreshTokens,
  hashRefreshToken,
  newSessionId,
  openSuccessor,
  sealSuccessor,
} from '../../functions/lib/domain/refresh-tokens';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const tokens = createRefreshTokens([keyA]);
const sid = newSessionId();

describe('refresh tokens', () => {
  it('are opaque base64url strings that name their session and generation', () => {
    const token = tokens.mint({ sid, generation: 7 });
    expect(token).toMatch(/^[A-Za-z0-9_-]{91}$/);
    expect(tokens.parse(token)).toEqual({ sid, generation: 7 });
  });

  it('carry fresh randomness every time (256 bits from the CSPRNG)', () => {
    const seen = new Set(Array.from({ length: 100 }, () => tokens.mint({ sid, generation: 0 })));
    expect(seen.size).toBe(100);
  });

  it('are refused when any character changes', () => {
    const token = tokens.mint({ sid, generation: 1 });
    for (const i of [0, 30, 60, 90]) {
      const flipped = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      expect(tokens.parse(flipped)).toBeUndefined();
    }
  });

  it('are refused when truncated, padded or empty', () => {
    const token = tokens.mint({ sid, generation: 1 });
    expect(tokens.parse(token.slice(0, -1))).toBeUndefined();
    expect(tokens.parse(`${token}=`)).toBeUndefined();
    expect(tokens.parse('')).toBeUndefined();
  });

  it('minted under another key are refused, and accepted again once that key is trusted', () => {
    const foreign = createRefreshTokens([keyB]).mint({ sid, generation: 3 });
    expect(tokens.parse(foreign)).toBeUndefined();
    expect(createRefreshTokens([keyA, keyB]).parse(foreign)).toEqual({ sid, generation: 3 });
  });

  it('are stored only as a SHA-256 hash', () => {
    const token = tokens.mint({ sid, generation: 0 });
    const hash = hashRefreshToken(token);
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain(token.slice(0, 20));
  });
});

describe('sealed successors', () => {
  it('open with the parent token and with nothing else', () => {
    const parent = tokens.mint({ sid, generation: 0 });
    const successor = tokens.mint({ sid, generation: 1 });
    const sealed = sealSuccessor(parent, successor);

    expect(sealed).not.toContain(successor);
    expect(openSuccessor(parent, sealed)).toBe(successor);
    expect(openSuccessor(tokens.mint({ sid, generation: 0 }), sealed)).toBeUndefined();
    expect(openSuccessor(parent, sealed.slice(0, -2))).toBeUndefined();
  });
});
