import type { PolicyDocument, Statement } from 'aws-lambda';

/** What an IAM policy decides for one request. */
export type PolicyDecision = 'allow' | 'deny';

// IAM resource matching: `*` is any run of characters (including `/`), `?` any one character.
function matches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(arn);
}

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function applies(statement: Statement, action: string, arn: string): boolean {
  const s = statement as { Action?: string | string[]; Resource?: string | string[] };
  return asList(s.Action).some((a) => matches(a, action)) && asList(s.Resource).some((r) => matches(r, arn));
}

/**
 * Evaluates an authorizer's policy for `execute-api:Invoke` on a method ARN as API Gateway
 * does: an explicit Deny wins, then an Allow, and anything else is an implicit deny.
 */
export function evaluatePolicy(policy: PolicyDocument, methodArn: string): PolicyDecision {
  const relevant = policy.Statement.filter((s) => applies(s, 'execute-api:Invoke', methodArn));
  if (relevant.some((s) => s.Effect === 'Deny')) return 'deny';
  return relevant.some((s) => s.Effect === 'Allow') ? 'allow' : 'deny';
}
