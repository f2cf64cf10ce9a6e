import { InvalidRequestError } from './errors';

/** The longest username, in code points. */
export const USERNAME_MAX_CHARS = 128;

// RFC 8265 §3.3.2, width mapping: fullwidth and halfwidth forms map to their decompositions.
const WIDTH_FORMS = /[\uFF01-\uFFEE]/gu;
const mapWidth = (s: string) => s.replace(WIDTH_FORMS, (c) => c.normalize('NFKC'));

/**
 * The PRECIS UsernameCaseMapped preparation and mapping (RFC 8265 §3.3): trim, width mapping,
 * case mapping (toLowerCase) and NFC. `Alice`, ` alice ` and `ＡＬＩＣＥ` are one account.
 * Rejects only what could never be a username; new names must pass `checkNewUsername` too.
 */
export function normalizeUsername(raw: string): string {
  const username = mapWidth(raw.trim()).toLowerCase().normalize('NFC');
  if (username === '' || [...username].length > USERNAME_MAX_CHARS || !/^[\p{L}\p{M}\p{N}._@+-]+$/u.test(username)) {
    throw new InvalidRequestError(`username must be 1 to ${USERNAME_MAX_CHARS} letters, digits or . _ @ + -`);
  }
  return username;
}

/** How names were normalised before the PRECIS profile, the keys of accounts made then. */
export const legacyUsernameKey = (raw: string): string => raw.trim().normalize('NFC').toLowerCase();

// RFC 8264 §9 (the PRECIS derived property), for the IdentifierClass, narrowed to what a
// username here may hold: letters and digits (LetterDigits: Ll Lu Lo Nd Lm Mn Mc) and . _ @ + -.
const LETTER_DIGITS = /^[\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}]$/u;
const ASCII_PUNCTUATION = new Set(['.', '_', '@', '+', '-']);
// RFC 5892 §2.6 exceptions that are DISALLOWED although they are letters or marks.
const DISALLOWED_EXCEPTIONS = new Set([0x0640, 0x07fa, 0x302e, 0x302f, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303b]);
// RFC 8264 §9.6 OldHangulJamo (Hangul_Syllable_Type L, V, T).
const OLD_HANGUL_JAMO = /[\u1100-\u11FF\uA960-\uA97C\uD7B0-\uD7C6\uD7CB-\uD7FB]/u;
const IGNORABLE = /[\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}\p{Cc}\p{Cn}]/u;

function isIdentifierChar(c: string): boolean {
  if (ASCII_PUNCTUATION.has(c)) return true;
  const cp = c.codePointAt(0) as number;
  if (cp < 0x80) return /[a-z0-9]/.test(c);
  if (DISALLOWED_EXCEPTIONS.has(cp) || OLD_HANGUL_JAMO.test(c) || IGNORABLE.test(c)) return false;
  // HasCompat (RFC 8264 §9.9): a compatibility character such as 𝐚 (math bold) or ﬁ is refused.
  if (c.normalize('NFKC') !== c) return false;
  return LETTER_DIGITS.test(c);
}

/**
 * A new username, in its one stored form: the UsernameCaseMapped mapping, then the
 * IdentifierClass rules (RFC 8265 §3.3.3, RFC 8264 §4.2). Refuses zero-width and control
 * characters, compatibility characters (math letters, ligatures), unassigned code points, a
 * leading combining mark, and Arabic-Indic digits of both kinds in one name (RFC 5892 A.8, A.9).
 */
export function checkNewUsername(raw: string): string {
  const username = normalizeUsername(raw);
  const chars = [...username];
  const refuse = (why: string): never => {
    throw new InvalidRequestError(`username ${why}`);
  };
  for (const c of chars)
    if (!isIdentifierChar(c))
      refuse(`must not contain ${JSON.stringify(c)} (U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')})`);
  if (/^\p{M}/u.test(username)) refuse('must not start with a combining mark');
  if (/[\u0660-\u0669]/u.test(username) && /[\u06F0-\u06F9]/u.test(username)) refuse('must not mix two kinds of Arabic-Indic digits');
  return username;
}
