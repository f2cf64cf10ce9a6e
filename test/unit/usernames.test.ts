import { usernameSkeleton } from '../../functions/lib/domain/username-skeleton';
import { checkNewUsername, normalizeUsername } from '../../functions/lib/domain/usernames';

const refused = (name: string) => {
  try {
    checkNewUsername(name);
    return false;
  } catch {
    return true;
  }
};

describe('usernames: the PRECIS UsernameCaseMapped profile (RFC 8265 §3.3)', () => {
  it('maps width and case, and applies NFC: one account however it is typed', () => {
    expect(normalizeUsername(' Alice ')).toBe('alice');
    expect(normalizeUsername('ＡＬＩＣＥ')).toBe('alice');
    expect(normalizeUsername('Cafe\u0301')).toBe('café');
    expect(checkNewUsername('Zoë.Müller+test@x')).toBe('zoë.müller+test@x');
    expect(checkNewUsername('नमस्ते')).toBe('नमस्ते');
  });

  it.each([
    ['a math-bold letter', '𝐚lice'],
    ['a zero-width space', 'al\u200Bice'],
    ['a zero-width joiner', 'al\u200Dice'],
    ['a control character', 'al\u0007ice'],
    ['a ligature (compatibility character)', 'ﬁle'],
    ['an unassigned code point', 'al\u0378ice'],
    ['a leading combining mark', '\u0301alice'],
    ['a tatweel (RFC 5892 exception)', 'ali\u0640ce'],
    ['mixed Arabic-Indic digits', '\u0661\u06F1'],
    ['a space inside', 'al ice'],
  ])('refuses %s', (_why, name) => {
    expect(refused(name)).toBe(true);
  });
});

describe('usernames: look-alikes (Unicode TR39 skeletons)', () => {
  it('gives names that look alike the same skeleton', () => {
    expect(usernameSkeleton('\u0430lice')).toBe(usernameSkeleton('alice')); // Cyrillic а
    expect(usernameSkeleton('r\u043Eot')).toBe(usernameSkeleton('root')); // Cyrillic о
    expect(usernameSkeleton('al\u0131ce')).toBe(usernameSkeleton('alice')); // dotless ı
    expect(usernameSkeleton('rnike')).toBe(usernameSkeleton('mike'));
    expect(usernameSkeleton('bob')).not.toBe(usernameSkeleton('rob'));
  });
});
