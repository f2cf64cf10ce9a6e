import { type App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { decodeRouteList, ROUTE_LIST_MAX_CHARS } from '../../functions/lib/contract/route-list';
import { ROUTES } from '../../functions/lib/contract/routes';
import { ENV } from '../../functions/lib/wiring/config';
import { AuthStack } from '../../infra/auth-stack';
import { ordersExample } from '../../examples/orders/app';
import { newApp } from './synth';

const ENVIRONMENT = { account: '123456789012', region: 'eu-west-1' };
/** The parts of a template's resources these tests read. */
type Resources = Record<
  string,
  {
    Type: string;
    Properties: { Name?: string; Value?: string; Environment: { Variables: Record<string, unknown> }; AuthorizationType?: string };
  }
>;

/** What an authorizer function's template says: its environment, and the routes its parameter lists. */
function authorizerOf(stack: Stack, fn: lambda.IFunction) {
  const resources = Template.fromStack(stack).toJSON().Resources as Resources;
  const variables = resources[stack.getLogicalId(fn.node.defaultChild as never)]?.Properties.Environment.Variables ?? {};
  const parameter = Object.values(resources).find(
    (r) => r.Type === 'AWS::SSM::Parameter' && r.Properties.Name === variables[ENV.routesParameter],
  );
  const encoded = parameter?.Properties.Value as string;
  const routes = decodeRouteList(encoded).map(
    (r) => `${r.method} ${r.path} ${r.access === 'public' ? '-' : (r.access.roles ?? []).join('|')}`,
  );
  const environmentBytes = Object.entries(variables).reduce((n, [k, v]) => n + k.length + (typeof v === 'string' ? v.length : 100), 0);
  return { variables, routes, encodedChars: encoded.length, environmentBytes, resources: Object.keys(resources).length };
}

// Mail's routes are not served on AWS yet (no outbox there).
const builtInProtected = ROUTES.filter((r) => r.access !== 'public' && r.enabledBy !== 'mail').map(
  (r) => `${r.method} ${r.path} ${r.access === 'public' ? '' : (r.access.roles ?? []).join('|')}`,
);

/** A stand-in for a team's function. */
const teamFunction = (stack: Stack, id = 'Orders') =>
  new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'i.h', code: lambda.Code.fromInline('exports.h=1') });

/** An auth stack with these routes added to its own API, with one permission for the team's function. */
function withTeamRoutes(paths: string[], app = newApp({ bundle: false })) {
  const st = new AuthStack(app, 'Teams', { env: ENVIRONMENT });
  const integration = new apigw.LambdaIntegration(teamFunction(st), { scopePermissionToMethod: false });
  for (const path of paths) st.auth.addProtectedRoute(path, 'GET', integration, { roles: ['orders:read', 'admin'] });
  return st;
}

/** A team's stack with its own REST API behind the auth stack's service. */
function teamStack(app: App, auth: AuthStack, id: string, paths: string[]) {
  const st = new Stack(app, id, { env: ENVIRONMENT });
  const api = new apigw.RestApi(st, 'Api', { cloudWatchRole: false });
  const integration = new apigw.LambdaIntegration(teamFunction(st), { scopePermissionToMethod: false });
  const guarded = auth.auth.protect(api);
  for (const path of paths) guarded.addRoute(path, 'GET', integration, { roles: [`${id.toLowerCase()}:read`] });
  return { stack: st, guarded };
}

describe("routes added to the service's own API", () => {
  it("go to the authorizer's route list in SSM, with the service's own protected routes, never to its environment", () => {
    const st = withTeamRoutes(['/orders']);
    const a = authorizerOf(st, st.auth.authorizerFunction);
    expect(a.routes.sort()).toEqual([...builtInProtected, 'GET /orders orders:read|admin'].sort());
    expect(
      Object.keys(a.variables)
        .filter((k) => /ROUTE/.test(k))
        .sort(),
    ).toEqual([ENV.routesDigest, ENV.routesParameter].sort());
    expect(JSON.stringify(a.variables)).not.toContain('/orders');
    const policy =
      Template.fromStack(st).toJSON().Resources[
        st.getLogicalId(st.auth.authorizerFunction.role?.node.findChild('DefaultPolicy').node.defaultChild as never)
      ];
    expect(JSON.stringify(policy)).toContain(`:parameter${a.variables[ENV.routesParameter]}`);
  });

  it('change the digest in the environment when the list changes, so that new containers read the new list', () => {
    const digest = (paths: string[]) =>
      authorizerOf(withTeamRoutes(paths).auth.node.scope as Stack, withTeamRoutes(paths).auth.authorizerFunction).variables[
        ENV.routesDigest
      ];
    expect(digest(['/a'])).toBe(digest(['/a']));
    expect(digest(['/a'])).not.toBe(digest(['/a', '/b']));
  });

  it('take 30 team routes: every one in the policy, few resources each, the environment and the list under 4 KB', () => {
    const st = withTeamRoutes(Array.from({ length: 30 }, (_, i) => `/orders-service/v1/orders${i}/{orderId}/items`));
    expect(() => (st.node.root as App).synth()).not.toThrow();
    const a = authorizerOf(st, st.auth.authorizerFunction);
    expect(a.routes).toHaveLength(builtInProtected.length + 30);
    const count = (stack: Stack, type?: string) =>
      Object.values(Template.fromStack(stack).toJSON().Resources as Resources).filter((r) => type === undefined || r.Type === type).length;
    const bare = withTeamRoutes([]);
    const [added, methods, paths] = [undefined, 'AWS::ApiGateway::Method', 'AWS::ApiGateway::Resource'].map(
      (type) => count(st, type) - count(bare, type),
    ) as [number, number, number];
    process.stderr.write(
      `30 team routes: ${added} resources added (${methods} methods, ${paths} path segments), ${a.resources} in all; ` +
        `environment ${a.environmentBytes} B; list ${a.encodedChars} chars\n`,
    );
    // The team's methods and path segments, and one invoke permission for its function: none per method.
    expect(methods).toBe(30);
    expect(added - methods - paths).toBe(1);
    expect(a.environmentBytes).toBeLessThan(4096);
    expect(a.encodedChars).toBeLessThan(ROUTE_LIST_MAX_CHARS);
  });

  it("fail synth with a message, not the deploy, when the list would pass an SSM parameter's 4 KB", () => {
    // Paths that share nothing compress worst: 600 of them do not fit.
    const paths = Array.from({ length: 600 }, (_, i) => `/${((i + 1) * 2654435761).toString(36)}/${(i * 40503).toString(36)}`);
    const st = withTeamRoutes([]);
    const fn = teamFunction(st, 'More');
    for (const path of paths) st.auth.addProtectedRoute(path, 'GET', new apigw.LambdaIntegration(fn, { scopePermissionToMethod: false }));
    expect(() => (st.node.root as App).synth()).toThrow(
      new RegExp(
        `the ${builtInProtected.length + 600} protected routes of this API take \\d+ characters encoded, over the 4096 of an SSM parameter`,
      ),
    );
  });

  it('refuse a path without / and a malformed role, naming them', () => {
    const st = withTeamRoutes([]);
    const integration = new apigw.LambdaIntegration(teamFunction(st, 'X'));
    expect(() => st.auth.addProtectedRoute('orders', 'GET', integration)).toThrow(/path must start with \/, got "orders"/);
    expect(() => st.auth.addProtectedRoute('/o', 'GET', integration, { roles: ['a b'] })).toThrow(/role "a b" must be/);
  });
});

describe("other stacks' APIs behind the service", () => {
  it('take 200 routes across 5 stacks: each API has its own authorizer whose policy knows exactly its routes, and no limit breaks', () => {
    // Prepare: the auth stack, and five teams with 40 routes each.
    const app = newApp({ bundle: false });
    const auth = new AuthStack(app, 'Auth', { env: ENVIRONMENT });
    const bare = Template.fromStack(new AuthStack(newApp({ bundle: false }), 'Auth', { env: ENVIRONMENT })).toJSON();
    const teams = ['Orders', 'Payments', 'Stock', 'Billing', 'Shipping'].map((id) =>
      teamStack(
        app,
        auth,
        id,
        Array.from({ length: 40 }, (_, i) => `/${id.toLowerCase()}/v1/r${i}/{id}`),
      ),
    );

    // Act
    const assembly = app.synth();

    // Assess: every team's list is its own 40 routes; the auth stack is as it was, and depends on none of them.
    for (const { stack, guarded } of teams) {
      const a = authorizerOf(stack, guarded.authorizerFunction);
      const id = stack.stackName.toLowerCase();
      expect(a.routes.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `GET /${id}/v1/r${i}/{id} ${id}:read`).sort());
      expect(a.environmentBytes).toBeLessThan(4096);
      expect(a.resources).toBeLessThan(500);
      expect(a.encodedChars).toBeLessThan(ROUTE_LIST_MAX_CHARS);
      expect(
        assembly
          .getStackByName(stack.stackName)
          .dependencies.map((d) => d.id)
          .filter((d) => !d.endsWith('.assets')),
      ).toEqual(['Auth']);
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Authorizer', {
        Type: 'REQUEST',
        IdentitySource: 'method.request.header.Authorization,context.httpMethod,context.resourcePath',
      });
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: 'UNAUTHORIZED',
        StatusCode: '401',
      });
    }
    expect(Object.keys(Template.fromStack(auth).toJSON().Resources).sort()).toEqual(Object.keys(bare.Resources).sort());
    expect(
      assembly
        .getStackByName('Auth')
        .dependencies.map((d) => d.id)
        .filter((d) => !d.endsWith('.assets')),
    ).toEqual([]);
  });

  it('take 200 routes on one API: all in its list, under the limits', () => {
    const app = newApp({ bundle: false });
    const auth = new AuthStack(app, 'Auth', { env: ENVIRONMENT });
    const { stack, guarded } = teamStack(
      app,
      auth,
      'Catalogue',
      Array.from({ length: 200 }, (_, i) => `/catalogue/item${i}`),
    );
    expect(() => app.synth()).not.toThrow();
    const a = authorizerOf(stack, guarded.authorizerFunction);
    process.stderr.write(`200 routes on one API: list ${a.encodedChars} chars, ${a.resources} resources in the stack\n`);
    expect(a.routes).toHaveLength(200);
    expect(a.resources).toBeLessThan(500);
  });

  it('gives the authorizer there exactly what it reads: the key set, its own list, the revocation check', () => {
    const app = newApp({ bundle: false });
    const auth = new AuthStack(app, 'Auth', { env: ENVIRONMENT });
    const { stack, guarded } = teamStack(app, auth, 'Orders', ['/orders']);
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]);
    const actions = [...new Set(statements.flatMap((s) => s.Action))].sort();
    expect(actions).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'ssm:GetParameter']);
    expect(guarded.authorizerFunction.node.scope?.node.path).toContain('Orders/');
  });

  it("takes tokens for the API's own audience when given one (token exchange, RFC 8707), and refuses one that is not an https URI", () => {
    const app = newApp({ bundle: false });
    const auth = new AuthStack(app, 'Auth', { env: ENVIRONMENT });
    const st = new Stack(app, 'Payments', { env: ENVIRONMENT });
    const guarded = auth.auth.protect(new apigw.RestApi(st, 'Api', { cloudWatchRole: false }), {
      audience: 'https://payments.example.com',
    });
    guarded.addRoute('/charges', 'POST', new apigw.LambdaIntegration(teamFunction(st)), { scopes: ['payments:charge'] });
    const plain = teamStack(app, auth, 'Orders', ['/orders']);
    const elsewhere = new Stack(newApp({ bundle: false }), 'Elsewhere', { env: ENVIRONMENT });
    expect(() => auth.auth.protect(new apigw.RestApi(elsewhere, 'Other', { cloudWatchRole: false }), { audience: 'payments' })).toThrow(
      /audience must be an https URI, got "payments"/,
    );
    expect(authorizerOf(st, guarded.authorizerFunction).variables[ENV.audience]).toBe('https://payments.example.com');
    expect(authorizerOf(st, guarded.authorizerFunction).routes).toEqual(['POST /charges ']);
    expect(JSON.stringify(authorizerOf(plain.stack, plain.guarded.authorizerFunction).variables[ENV.audience])).toContain(
      'Fn::ImportValue',
    );
  });

  it("returns the same protection for the same API, and refuses the service's own API and another region", () => {
    const app = newApp({ bundle: false });
    const auth = new AuthStack(app, 'Auth', { env: ENVIRONMENT });
    const { stack, guarded } = teamStack(app, auth, 'Orders', []);
    expect(auth.auth.protect(guarded.api)).toBe(guarded);
    expect(() => auth.auth.protect(auth.auth.api)).toThrow(/own API; use addProtectedRoute/);
    const elsewhere = new Stack(app, 'Far', { env: { ...ENVIRONMENT, region: 'us-west-2' } });
    expect(() => auth.auth.protect(new apigw.RestApi(elsewhere, 'Api', { cloudWatchRole: false }))).toThrow(
      /stack Far is in region us-west-2, the auth service in eu-west-1/,
    );
    expect(stack.stackName).toBe('Orders');
  });
});

describe('the examples/ app', () => {
  it('synthesizes an orders stack with its own REST API behind the auth stack, cdk-nag clean', () => {
    const app = newApp({ bundle: false });
    const { auth, orders } = ordersExample(app);
    const assembly = app.synth();
    const a = authorizerOf(orders, auth.auth.protect(orders.api).authorizerFunction);
    expect(a.routes.sort()).toEqual(
      ['DELETE /orders/{id} admin', 'GET /orders ', 'GET /orders/{id} ', 'POST /orders orders:write|admin'].sort(),
    );
    expect(
      assembly
        .getStackByName('ExampleOrders')
        .dependencies.map((d) => d.id)
        .filter((d) => !d.endsWith('.assets')),
    ).toEqual(['ExampleAuth']);
    const methods = Template.fromStack(orders).findResources('AWS::ApiGateway::Method');
    expect(Object.values(methods).map((m) => m.Properties.AuthorizationType)).toEqual(['CUSTOM', 'CUSTOM', 'CUSTOM', 'CUSTOM']);
    const errors = app.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:error'));
    expect(errors).toEqual([]);
  });
});
