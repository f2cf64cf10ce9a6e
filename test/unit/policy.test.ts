import { apiStageArn, buildPolicy } from '../../functions/lib/policy';
import type { Route } from '../../functions/lib/routes';

const routes: Route[] = [
  { method: 'POST', path: '/api/auth/login', handler: 'login', access: 'public' },
  { method: 'GET', path: '/api/me', handler: 'me', access: { roles: [] } },
  { method: 'GET', path: '/api/admin/ping', handler: 'me', access: { roles: ['admin'] } },
  { method: 'DELETE', path: '/api/auth/sessions/{sid}', handler: 'me', access: { roles: [] } },
];
const stage = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod';
const context = { sub: 'u', username: 'alice', roles: 'user', sid: 's' };

describe('authorizer policy', () => {
  it('finds the API and stage of a method ARN', () => {
    expect(apiStageArn(`${stage}/GET/api/me`)).toBe(stage);
    expect(apiStageArn('arn:aws:execute-api:us-east-1:123456789012:abcdef123')).toBeUndefined();
    expect(apiStageArn('garbage')).toBeUndefined();
  });

  it('allows every route the roles permit and denies the other protected routes, whatever route was asked for', () => {
    const policy = buildPolicy(stage, routes, { sub: 'u', roles: ['user'] }, context);
    expect(policy.principalId).toBe('u');
    expect(policy.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${stage}/GET/api/me`, `${stage}/DELETE/api/auth/sessions/*`] },
      { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [`${stage}/GET/api/admin/ping`] },
    ]);
    expect(policy.context).toEqual(context);
  });

  it('allows everything to a caller who holds every role', () => {
    const policy = buildPolicy(stage, routes, { sub: 'u', roles: ['user', 'admin'] }, context);
    expect(policy.policyDocument.Statement).toHaveLength(1);
    expect(policy.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
  });
});
