import { dictionary } from '@zxcvbn-ts/language-common';

let common: ReadonlySet<string> | undefined;

/**
 * Is this one of the ~30 000 most common passwords of zxcvbn-ts's maintained list (drawn from
 * breach corpora)? ASVS 6.2.4 and 6.2.12 ask us to refuse them. Loaded on first use.
 */
export function isCommonPassword(password: string): boolean {
  common ??= new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return common.has(password.toLowerCase());
}
