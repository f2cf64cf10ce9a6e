/**
 * What the stack stores in the secret before the key set-up runs: CloudFormation must give a
 * new secret some value, and this one says plainly that it holds nothing yet. Plain data, so
 * the CDK app can read it without the key code.
 */
export const PLACEHOLDER_TEMPLATE = { placeholder: 'the auth service key set-up has not run yet' } as const;

/** Is this document the stack's placeholder (the template plus its generated filler)? */
export function isPlaceholder(document: string): boolean {
  try {
    const doc = JSON.parse(document) as Record<string, unknown>;
    return doc.placeholder === PLACEHOLDER_TEMPLATE.placeholder && Object.keys(doc).every((k) => k === 'placeholder' || k === 'filler');
  } catch {
    return false;
  }
}
