import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { InvalidRequestError } from '../../functions/lib/domain/errors';
import { checkPasswordPolicy, checkPasswordSize, createPasswordHasher } from '../../functions/lib/domain/passwords';

const v1 = { version: '1', secret: randomBytes(32) };
const v2 = { version: '2', secret: randomBytes(32) };
const hasher = createPasswordHasher({ peppers: [v1], bcryptCost: 10 });

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored.passwordHash).toMatch(/^\$2b\$10\$/);
    expect(stored.pepperVersion).toBe('1');
    await expect(hasher.verify('correct horse battery staple', stored)).resolves.toBe(true);
    await expect(hasher.verify('correct horse battery stapler', stored)).resolves.toBe(false);
  });

  it('refuses a 100-character password that differs from the stored one only in character 80 (no 72-byte truncation, ASVS 6.2.9)', async () => {
    const stored = await hasher.hash('a'.repeat(100));
    const other = 'a'.repeat(79) + 'b' + 'a'.repeat(20);
    await expect(hasher.verify(other, stored)).resolves.toBe(false);
  });

  it('treats the NFC and NFD spellings of a password as one', async () => {
    const stored = await hasher.hash('caf\u00e9-au-lait');
    await expect(hasher.verify('cafe\u0301-au-lait', stored)).resolves.toBe(true);
  });

  it('needs the pepper: the same hash under another pepper does not verify', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    const otherPepper = createPasswordHasher({ peppers: [{ version: '1', secret: randomBytes(32) }], bcryptCost: 10 });
    await expect(otherPepper.verify('correct horse battery staple', stored)).resolves.toBe(false);
  });

  it('hashes with the newest pepper and still verifies hashes made with an older one', async () => {
    const old = await hasher.hash('correct horse battery staple');
    const rotated = createPasswordHasher({ peppers: [v2, v1], bcryptCost: 10 });
    expect((await rotated.hash('x'.repeat(8))).pepperVersion).toBe('2');
    await expect(rotated.verify('correct horse battery staple', old)).resolves.toBe(true);
  });

  it('spends one full bcrypt compare at the configured cost when there is no stored password', async () => {
    const compare = jest.spyOn(bcrypt, 'compare');
    try {
      await expect(hasher.verify('whatever', undefined)).resolves.toBe(false);
      expect(compare).toHaveBeenCalledTimes(1);
      expect(compare.mock.calls[0]?.[1]).toMatch(/^\$2b\$10\$.{53}$/);
    } finally {
      compare.mockRestore();
    }
  });
});

describe('password policy', () => {
  const code = (fn: () => void) => {
    try {
      fn();
      return 'accepted';
    } catch (err) {
      return err instanceof InvalidRequestError ? err.code : 'other';
    }
  };

  it('rejects fewer than 8 characters and accepts 8', () => {
    expect(code(() => checkPasswordPolicy('1234567'))).toBe('ERR_INVALID_REQUEST');
    expect(code(() => checkPasswordPolicy('12345678'))).toBe('accepted');
  });

  it('counts characters, not UTF-16 units: 8 emoji are 8 characters', () => {
    expect(code(() => checkPasswordPolicy('\u{1F600}'.repeat(7)))).toBe('ERR_INVALID_REQUEST');
    expect(code(() => checkPasswordPolicy('\u{1F600}'.repeat(8)))).toBe('accepted');
  });

  it('accepts 256 and 1024 characters and rejects 1025', () => {
    expect(code(() => checkPasswordPolicy('p'.repeat(256)))).toBe('accepted');
    expect(code(() => checkPasswordPolicy('p'.repeat(1024)))).toBe('accepted');
    expect(code(() => checkPasswordPolicy('p'.repeat(1025)))).toBe('ERR_INVALID_REQUEST');
    expect(code(() => checkPasswordSize('p'.repeat(1025)))).toBe('ERR_INVALID_REQUEST');
    expect(code(() => checkPasswordSize('short'))).toBe('accepted');
  });
});
