/**
 * What the primitives cost on this machine: access-token sign and verify (raw node:crypto and
 * through our jose-based token module) for RS256 and ES256, and one bcrypt compare per cost.
 * Run: npm run bench
 */
import { sign as rawSign, verify as rawVerify, generateKeyPairSync } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { createAccessTokens } from '../functions/lib/tokens/access-tokens';
import { JwkSetKeySource, type Algorithm } from '../functions/lib/tokens/key-source';
import { generateSigningKey } from '../functions/lib/tokens/secrets';

const subject = { sub: '6f1c2a7e-2d7b-4d1e-9a3c-5b8e4f0a1c2d', username: 'alice', roles: ['user'], sid: 'Qm9iIHdhcyBoZXJlIHRvby4' };

async function timeUs(fn: () => unknown, iterations: number): Promise<number> {
  for (let i = 0; i < Math.min(200, iterations); i++) await fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await fn();
  return Number(process.hrtime.bigint() - start) / 1e3 / iterations;
}

async function tokens(alg: Algorithm) {
  const jwk = await generateSigningKey(alg);
  const service = createAccessTokens({
    keys: new JwkSetKeySource({ jwks: { keys: [jwk] } }),
    issuer: 'https://auth.example.com',
    audience: 'https://api.example.com',
    accessTokenTtlSeconds: 900,
    clockToleranceSeconds: 30,
    now: Date.now,
  });
  const { accessToken } = await service.issue(subject);
  const [h, p, s] = accessToken.split('.') as [string, string, string];
  const pair = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = Buffer.from(`${h}.${p}`);
  const opts = alg === 'ES256' ? { dsaEncoding: 'ieee-p1363' as const } : {};
  const rawSig = rawSign('sha256', data, { key: pair.privateKey, ...opts });
  return {
    rawSign: await timeUs(() => rawSign('sha256', data, { key: pair.privateKey, ...opts }), 2000),
    rawVerify: await timeUs(() => rawVerify('sha256', data, { key: pair.publicKey, ...opts }, rawSig), 5000),
    issue: await timeUs(() => service.issue(subject), 2000),
    verify: await timeUs(() => service.verify(accessToken), 5000),
    tokenBytes: accessToken.length,
    signatureChars: s.length,
  };
}

async function main() {
  console.log(`node ${process.version}, ${process.arch}`);
  console.log('\naccess tokens (µs per operation)');
  console.log('alg     raw sign  raw verify  issue (jose)  verify (jose)  token bytes');
  for (const alg of ['RS256', 'ES256'] as const) {
    const r = await tokens(alg);
    console.log(
      `${alg}  ${r.rawSign.toFixed(1).padStart(8)}  ${r.rawVerify.toFixed(1).padStart(10)}  ${r.issue.toFixed(1).padStart(12)}  ${r.verify.toFixed(1).padStart(13)}  ${String(r.tokenBytes).padStart(11)}`,
    );
  }

  console.log('\nbcrypt (ms per compare; the pre-hash is 64 characters, as in login)');
  const password = 'x'.repeat(64);
  for (const cost of [10, 11, 12]) {
    const hash = bcrypt.hashSync(password, cost);
    const runs = 5;
    const start = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) await bcrypt.compare(password, hash);
    console.log(`cost ${cost}: ${(Number(process.hrtime.bigint() - start) / 1e6 / runs).toFixed(1)} ms`);
  }
}

void main();
