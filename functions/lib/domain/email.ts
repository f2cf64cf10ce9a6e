import { InvalidRequestError } from './errors';

/** RFC 5321 §4.5.3.1: a path of at most 256 octets, so an address of at most 254 characters. */
export const EMAIL_MAX_CHARS = 254;

/**
 * An email address in its one stored form: trimmed, the domain lower-cased (DNS is
 * case-insensitive), the local part kept exactly as typed (RFC 5321 §2.4 leaves its case to the
 * receiving host). `InvalidRequestError` for anything that is not one address.
 */
export function normalizeEmail(raw: string): string {
  const text = raw.trim();
  const at = text.lastIndexOf('@');
  const local = text.slice(0, at);
  const domain = text.slice(at + 1).toLowerCase();
  const labels = domain.split('.');
  if (
    at < 1 ||
    text.length > EMAIL_MAX_CHARS ||
    local.length > 64 ||
    /[\s<>()[\],;:"\\]/.test(local) ||
    labels.length < 2 ||
    !labels.every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l) || /^xn--[a-z0-9-]+$/.test(l))
  ) {
    throw new InvalidRequestError('email must be one address like name@example.com');
  }
  return `${local}@${domain}`;
}
