import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Stack } from 'aws-cdk-lib';
import { DENIAL_TEMPLATE, GATEWAY_RESPONSES } from '../../functions/lib/contract/gateway-responses';
import { ROUTES } from '../../functions/lib/contract/routes';
import { decodeRouteList } from '../../functions/lib/contract/route-list';
import { TABLES } from '../../functions/lib/contract/tables';
import { PLACEHOLDER_TEMPLATE } from '../../functions/lib/contract/secret-placeholder';
import { newApp, synthStack } from './synth';
import { AuthStack } from '../../infra/auth-stack';
import { AuthService } from '../../infra/auth-service';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { cookiePath } from '../../functions/lib/http/cookies';

const { stack, template, app } = synthStack({}, { nag: true });
const auth = stack.auth;
const json = JSON.stringify(template.toJSON());
const resourcesOf = (type: string) => template.findResources(type);
const logicalId = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

/** Our handler functions (not CDK's own framework function). */
const ourFunctions = Object.values(auth.functions);

describe('cdk-nag AwsSolutionsChecks', () => {
  it('has no unacknowledged finding, and every acknowledgement names its rule and gives a reason', () => {
    expect(() => app.synth()).not.toThrow();
    const acknowledged = JSON.stringify(app.node.findAll().flatMap((c) => c.node.metadata.filter((m) => /acknowledge/i.test(m.type))));
    for (const match of acknowledged.matchAll(/"id":"([^"]+)","reason":"([^"]*)"/g)) {
      expect(match[1]).toMatch(/^AwsSolutions-[A-Z]+\d+/);
      expect((match[2] as string).length).toBeGreaterThan(30);
    }
  });
});

describe('API Gateway', () => {
  it("has exactly the route table's methods, with the authorizer on every protected one", () => {
    const methods = auth.api.methods.filter((m) => m.httpMethod !== 'OPTIONS');
    // Self-registration is off by default, and mail has no outbox on AWS yet.
    const expected = ROUTES.filter((r) => r.enabledBy === undefined);
    expect(methods.map((m) => `${m.httpMethod} ${m.resource.path}`).sort()).toEqual(expected.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of expected) {
      const method = methods.find((m) => m.httpMethod === route.method && m.resource.path === route.path) as apigw.Method;
      const cfn = template.toJSON().Resources[logicalId(method)].Properties;
      if (route.access === 'public') expect(cfn.AuthorizationType).toBe('NONE');
      else expect(cfn).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: logicalId(auth.authorizer) } });
    }
  });

  it('serves register only when self-registration is on', () => {
    const on = synthStack({ selfRegistration: true }, { bundle: false }).stack.auth.api.methods;
    expect(on.some((m) => m.resource.path === '/api/auth/register')).toBe(true);
  });

  it('has a REQUEST authorizer whose 300 s cache keys on the Authorization header and the route', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization,context.httpMethod,context.resourcePath',
      AuthorizerResultTtlInSeconds: 300,
    });
  });

  it('answers 401 with a Bearer challenge and JSON, and 403, 4XX and 5XX with JSON', () => {
    for (const type of ['UNAUTHORIZED', 'DEFAULT_4XX', 'DEFAULT_5XX'] as const) {
      const r = GATEWAY_RESPONSES[type];
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: String(r.statusCode),
        ResponseTemplates: { 'application/json': JSON.stringify({ error: r.error, error_description: r.description }) },
        ResponseParameters: Match.objectLike({ 'gatewayresponse.header.Content-Type': "'application/json'" }),
      });
    }
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      ResponseParameters: Match.objectLike({ 'gatewayresponse.header.WWW-Authenticate': "'Bearer'" }),
    });
    // A Deny says why: its error and its challenge (RFC 6750 §3.1, RFC 9470 §3) from the authorizer's context.
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'ACCESS_DENIED',
      StatusCode: '403',
      ResponseTemplates: { 'application/json': DENIAL_TEMPLATE },
      ResponseParameters: Match.objectLike({
        'gatewayresponse.header.Content-Type': "'application/json'",
        'gatewayresponse.header.WWW-Authenticate': 'context.authorizer.challenge',
      }),
    });
  });

  it('throttles as capacity limits, an order of magnitude above one shared 10 rps: the stage, bcrypt routes and refresh', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 1000,
          ThrottlingBurstLimit: 2000,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        }),
        Match.objectLike({ HttpMethod: 'POST', ResourcePath: '/~1api~1auth~1login', ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 }),
        Match.objectLike({
          HttpMethod: 'POST',
          ResourcePath: '/~1api~1auth~1refresh',
          ThrottlingRateLimit: 500,
          ThrottlingBurstLimit: 1000,
        }),
        Match.objectLike({
          HttpMethod: 'POST',
          ResourcePath: '/~1api~1auth~1password',
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
        }),
      ]),
    });
  });

  it('takes the capacity limits from props', () => {
    const custom = synthStack(
      { authRouteThrottle: { rateLimit: 40, burstLimit: 80 }, refreshThrottle: { rateLimit: 2000, burstLimit: 4000 } },
      { bundle: false },
    ).template;
    custom.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ResourcePath: '/~1api~1auth~1login', ThrottlingRateLimit: 40, ThrottlingBurstLimit: 80 }),
        Match.objectLike({ ResourcePath: '/~1api~1auth~1refresh', ThrottlingRateLimit: 2000, ThrottlingBurstLimit: 4000 }),
      ]),
    });
  });

  it('writes JSON access logs to CloudWatch', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('^\\{"requestId":') },
    });
  });

  it('has no CORS by default, and only the configured origins otherwise', () => {
    expect(auth.api.methods.some((m) => m.httpMethod === 'OPTIONS')).toBe(false);
    const { template: cors, stack: corsStack } = synthStack(
      { allowedOrigins: ['https://app.example.com'], tokenDelivery: 'cookie' },
      { bundle: false },
    );
    expect(JSON.stringify(cors.toJSON())).toContain("'https://app.example.com'");
    expect(JSON.stringify(cors.toJSON())).toContain('Access-Control-Allow-Credentials');
    const loginEnv =
      cors.toJSON().Resources[corsStack.getLogicalId(corsStack.auth.functions.login.node.defaultChild as never)].Properties.Environment
        .Variables;
    expect(loginEnv).toMatchObject({ AUTH_TOKEN_DELIVERY: 'cookie', AUTH_ALLOWED_ORIGINS: 'https://app.example.com' });
    expect(JSON.stringify(cors.toJSON())).not.toContain("Access-Control-Allow-Origin': \"'*'\"");
    // Every method may be preflighted, PUT and PATCH included.
    cors.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'OPTIONS',
      Integration: Match.objectLike({
        IntegrationResponses: [
          Match.objectLike({
            ResponseParameters: Match.objectLike({
              'method.response.header.Access-Control-Allow-Methods': "'GET,POST,PUT,PATCH,DELETE,OPTIONS'",
            }),
          }),
        ],
      }),
    });
    // API Gateway's own answers (the authorizer's 401 among them) carry CORS for the one origin.
    cors.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      ResponseParameters: Match.objectLike({
        'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'",
        'gatewayresponse.header.Access-Control-Allow-Credentials': "'true'",
      }),
    });
  });
});

describe('WAF', () => {
  it('limits each IP tightly on the routes that check a password, and loosely on the other auth routes', () => {
    const endsWith = (path: string) => ({
      ByteMatchStatement: Match.objectLike({ PositionalConstraint: 'ENDS_WITH', SearchString: path }),
    });
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: [
        Match.objectLike({
          Name: 'credential-routes-rate-per-ip',
          Statement: {
            RateBasedStatement: Match.objectLike({
              Limit: 300,
              AggregateKeyType: 'IP',
              ScopeDownStatement: {
                OrStatement: {
                  // A second factor's code is a credential too: guessing six digits is the attack.
                  Statements: [
                    endsWith('/api/auth/login'),
                    endsWith('/api/auth/password'),
                    endsWith('/api/auth/password/temporary'),
                    endsWith('/api/auth/mfa/verify'),
                    endsWith('/api/auth/mfa/step-up'),
                    endsWith('/api/auth/mfa/totp/confirm'),
                    endsWith('/api/auth/passkeys/login'),
                  ],
                },
              },
            }),
          },
          Action: { Block: Match.anyValue() },
        }),
        Match.objectLike({
          Name: 'auth-routes-rate-per-ip',
          Statement: {
            RateBasedStatement: Match.objectLike({
              Limit: 3000,
              ScopeDownStatement: {
                OrStatement: {
                  Statements: [
                    { ByteMatchStatement: Match.objectLike({ SearchString: '/api/auth/' }) },
                    { ByteMatchStatement: Match.objectLike({ SearchString: '/oauth2/' }) },
                  ],
                },
              },
            }),
          },
        }),
      ],
    });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    // Registration is a credential route where it is served.
    const open = synthStack({ selfRegistration: true, wafAuthRoutesRateLimitPer5Minutes: 6000 }, { bundle: false }).template;
    expect(JSON.stringify(open.findResources('AWS::WAFv2::WebACL'))).toContain('/api/auth/register');
    expect(JSON.stringify(open.findResources('AWS::WAFv2::WebACL'))).toContain('"Limit":6000');
  });

  it('can be switched off', () => {
    const off = synthStack({ waf: false }, { bundle: false }).template;
    off.resourceCountIs('AWS::WAFv2::WebACL', 0);
    off.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });
});

describe('DynamoDB', () => {
  it('creates every table on demand, with PITR, encryption, deletion protection and retention', () => {
    const tables = template.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(Object.keys(TABLES).length);
    for (const table of Object.values(tables)) {
      expect(table).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
          DeletionProtectionEnabled: true,
        },
      });
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'sid', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byUser' })],
    });
  });

  it('lets a development stack drop its data', () => {
    const dev = synthStack({ retainData: false }, { bundle: false }).template;
    for (const table of Object.values(dev.findResources('AWS::DynamoDB::Table'))) {
      expect(table).toMatchObject({ DeletionPolicy: 'Delete', Properties: { DeletionProtectionEnabled: false } });
    }
  });
});

describe('functions', () => {
  it('run Node.js 22 on arm64, with log groups that keep logs 90 days', () => {
    for (const f of ourFunctions) {
      const props = template.toJSON().Resources[logicalId(f)].Properties;
      expect(props).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
      expect(props.LoggingConfig.LogGroup).toEqual({ Ref: expect.any(String) });
      expect(template.toJSON().Resources[props.LoggingConfig.LogGroup.Ref].Properties.RetentionInDays).toBe(90);
    }
  });

  it('give bcrypt a full vCPU: login and register get 1769 MB by default', () => {
    for (const name of ['login', 'register'] as const) {
      expect(template.toJSON().Resources[logicalId(auth.functions[name])].Properties.MemorySize).toBe(1769);
    }
  });

  it("read configuration from the config module's variable names", () => {
    const env = template.toJSON().Resources[logicalId(auth.functions.login)].Properties.Environment.Variables;
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining(['AUTH_USERS_TABLE', 'AUTH_SESSIONS_TABLE', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_SECRET_ID']),
    );
  });
});

describe('IAM', () => {
  const policies = () => Object.entries(resourcesOf('AWS::IAM::Policy'));
  const statementsOf = (f: lambda.IFunction) => {
    const roleId = stack.getLogicalId(f.role?.node.defaultChild as never);
    return policies()
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
  };
  const actions = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

  it('grants no wildcard action anywhere', () => {
    for (const [, p] of policies()) {
      for (const s of p.Properties.PolicyDocument.Statement) for (const a of actions(s)) expect(a).not.toMatch(/\*/);
    }
  });

  it('gives each function only the DynamoDB actions it calls, on its tables only', () => {
    const dynamo = (f: lambda.IFunction) =>
      statementsOf(f)
        .filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')))
        .flatMap(actions)
        .sort();
    // (Statements with the same actions are merged across resources: match the ARN inside the list.)
    const onTable = (f: lambda.IFunction, table: { tableArn: string }) => {
      const arn = JSON.stringify(stack.resolve(table.tableArn));
      return statementsOf(f)
        .filter((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).some((r) => JSON.stringify(r) === arn))
        .flatMap(actions)
        .sort();
    };
    expect(onTable(auth.functions.login, auth.usersTable)).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(onTable(auth.functions.login, auth.sessionsTable)).toEqual(['dynamodb:PutItem']);
    expect(onTable(auth.functions.login, auth.auditTable)).toEqual(['dynamodb:PutItem']);
    expect(onTable(auth.functions.refresh, auth.usersTable)).toEqual(['dynamodb:GetItem']);
    expect(onTable(auth.functions.refresh, auth.sessionsTable)).toEqual(['dynamodb:UpdateItem']);
    expect(onTable(auth.functions.logout, auth.sessionsTable)).toEqual(['dynamodb:UpdateItem']);
    expect(onTable(auth.functions.logout, auth.usersTable)).toEqual([]);
    // The revocation check: one BatchGetItem over a session and its user, or one GetItem of a machine client.
    expect(dynamo(auth.functions.authorizer)).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem']);
    expect(onTable(auth.functions.authorizer, auth.clientsTable)).toEqual(['dynamodb:GetItem']);
    expect(onTable(auth.functions.validate, auth.clientsTable)).toEqual([]);
    expect(onTable(auth.functions.authorizer, auth.usersTable)).toEqual(['dynamodb:BatchGetItem']);
    expect(onTable(auth.functions.authorizer, auth.sessionsTable)).toEqual(['dynamodb:BatchGetItem']);
    expect(onTable(auth.functions.authorizer, auth.attemptsTable)).toEqual([]);
    expect(dynamo(auth.functions.me)).toEqual([]);
  });

  it('keeps private key material away from the functions that only verify', () => {
    const secretRef = JSON.stringify({ Ref: logicalId(auth.secret) });
    for (const name of ['authorizer', 'validate', 'jwks', 'me'] as const) {
      const statements = JSON.stringify(statementsOf(auth.functions[name]));
      expect(statements).not.toContain('secretsmanager:');
      expect(statements).not.toContain('kms:');
      expect(statements).not.toContain(secretRef);
      const env = template.toJSON().Resources[logicalId(auth.functions[name])].Properties.Environment?.Variables ?? {};
      expect(env).not.toHaveProperty('AUTH_SECRET_ID');
    }
    expect(JSON.stringify(statementsOf(auth.functions.authorizer))).toContain('ssm:GetParameter');
  });
});

describe('secrets', () => {
  it('are nowhere in the template: no key material, no pepper, no secret value', () => {
    for (const leak of [/"kty"/, /"d":/, /"n":/, /PRIVATE KEY/, /"peppers"/, /"SecretString"/, /"signingKeys"/]) {
      expect({ leak: String(leak), found: leak.test(json) }).toEqual({ leak: String(leak), found: false });
    }
    // The secret starts as a placeholder that says so (the only content the key set-up replaces).
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { SecretStringTemplate: JSON.stringify(PLACEHOLDER_TEMPLATE), GenerateStringKey: 'filler' },
    });
  });

  it('are created in AWS by a custom resource that gets only names, before the stage goes live', () => {
    const [, resource] = Object.entries(template.findResources('Custom::AuthKeys'))[0] as [string, { Properties: Record<string, unknown> }];
    expect(Object.keys(resource.Properties).sort()).toEqual(['ParameterName', 'SecretId', 'ServiceToken']);
    const stageId = logicalId(auth.api.deploymentStage);
    expect(template.toJSON().Resources[stageId].DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/KeySetup/)]));
  });

  it('rotate on a daily schedule', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(auth.functions['rotate-keys']), 'Arn'] } })],
    });
  });
});

describe('operations', () => {
  it('has a dashboard and alarms on failed logins, reuse, authorizer failures, 5XX, DynamoDB throttling and key rotation', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'LoginFailed', Namespace: 'AuthService', Threshold: 50 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ReuseDetected', Threshold: 1 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'AuthorizerFailure', Threshold: 1 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5XXError', Threshold: 0.05 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.stringLikeRegexp('^t0\\+t1') })]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(auth.functions['rotate-keys']) } }],
      Threshold: 1,
    });
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm'))).toHaveLength(6);
  });

  it('names the API and the metrics per stack, so dev and prod in one account keep apart', () => {
    const app2 = newApp({ bundle: false });
    const stacks = ['dev', 'prod'].map(
      (stage) =>
        new AuthStack(app2, `Auth-${stage}`, {
          env: { account: '123456789012', region: 'eu-west-1' },
          auth: { retainData: stage === 'prod' },
        }),
    );
    const seen = stacks.map((s) => {
      const t = Template.fromStack(s);
      const [api] = Object.values(t.findResources('AWS::ApiGateway::RestApi'));
      const services = new Set(
        Object.values(t.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Environment?.Variables?.AUTH_METRICS_SERVICE),
      );
      const dimensions = new Set(
        Object.values(t.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: 'AuthService' } })).map(
          (a) => a.Properties.Dimensions[0].Value,
        ),
      );
      return { api: api?.Properties.Name, services: [...services], dimensions: [...dimensions] };
    });
    expect(seen).toEqual([
      { api: 'Auth-dev/Auth', services: ['Auth-dev/Auth', undefined], dimensions: ['Auth-dev/Auth'] },
      { api: 'Auth-prod/Auth', services: ['Auth-prod/Auth', undefined], dimensions: ['Auth-prod/Auth'] },
    ]);
  });

  it("leaves API Gateway's account-wide logging role alone unless told to own it, and then keeps it on delete", () => {
    expect(template.findResources('AWS::ApiGateway::Account')).toEqual({});
    const owner = synthStack({ apiGatewayAccount: true }, { bundle: false }).template;
    const [account] = Object.values(owner.findResources('AWS::ApiGateway::Account')) as { DeletionPolicy?: string }[];
    expect(account?.DeletionPolicy).toBe('Retain');
    const [role] = Object.values(
      owner.findResources('AWS::IAM::Role', {
        Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'apigateway.amazonaws.com' } }] } },
      }),
    ) as { DeletionPolicy?: string }[];
    expect(role?.DeletionPolicy).toBe('Retain');
  });

  it('sends the alarms to an SNS topic when given one', () => {
    const app = newApp({ bundle: false });
    const st = new Stack(app, 'Topic', { env: { account: '123456789012', region: 'eu-west-1' } });
    const topic = new sns.Topic(st, 'Alerts');
    new AuthService(st, 'Auth', { alarmTopic: topic });
    for (const a of Object.values(Template.fromStack(st).findResources('AWS::CloudWatch::Alarm'))) {
      expect((a as { Properties: { AlarmActions: unknown[] } }).Properties.AlarmActions).toHaveLength(1);
    }
  });

  it('traces with X-Ray only when asked', () => {
    expect(JSON.stringify(template.toJSON())).not.toContain('"Mode":"Active"');
    const traced = synthStack({ tracing: true }, { bundle: false }).template;
    traced.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
    traced.hasResourceProperties('AWS::ApiGateway::Stage', { TracingEnabled: true });
  });
});

describe('a custom domain', () => {
  const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
  const withDomain = (domainName: string, basePath?: string) => {
    const app2 = newApp({ bundle: false });
    const certificate = acm.Certificate.fromCertificateArn(new Stack(app2, 'Certs'), 'Cert', CERT);
    const st = new AuthStack(app2, 'Domain', {
      env: { account: '123456789012', region: 'eu-west-1' },
      auth: { customDomain: { domainName, certificate, ...(basePath !== undefined && { basePath }) } },
    });
    return { st, t: Template.fromStack(st) };
  };

  it('serves the stage on the domain over TLS 1.2, and the issuer, the cookie path and the outputs follow it', () => {
    const { st, t } = withDomain('auth.example.com', 'auth');
    t.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'auth.example.com',
      RegionalCertificateArn: CERT,
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
    t.hasResourceProperties('AWS::ApiGateway::BasePathMapping', { BasePath: 'auth', Stage: { Ref: Match.anyValue() } });
    expect(st.auth.issuer).toBe('https://auth.example.com/auth');
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AUTH_ISSUER: 'https://auth.example.com/auth' }) },
    });
    expect(cookiePath(st.auth.issuer)).toBe('/auth/api/auth');
    t.hasOutput('ApiUrl', { Value: 'https://auth.example.com/auth/' });
    t.hasOutput('DomainTarget', {});
  });

  it('maps the domain root without a base path, and refuses a bad domain or base path at synth', () => {
    const { st } = withDomain('auth.example.com');
    expect(st.auth.issuer).toBe('https://auth.example.com');
    expect(() => withDomain('https://auth.example.com')).toThrow('customDomain.domainName must be a lower-case host name');
    expect(() => withDomain('auth.example.com', 'a/b')).toThrow('customDomain.basePath must be one path segment');
  });

  it('is absent by default: the execute-api URL, and no DNS output', () => {
    template.resourceCountIs('AWS::ApiGateway::DomainName', 0);
    expect(Object.keys(template.findOutputs('DomainTarget'))).toHaveLength(0);
  });
});

describe('the construct', () => {
  it('outputs the API URL, the JWKS URL, the issuer and the table names', () => {
    for (const name of [
      'ApiUrl',
      'JwksUrl',
      'Issuer',
      'UsersTable',
      'SessionsTable',
      'AttemptsTable',
      'AuditTable',
      'SecretArn',
      'PublicJwksParameter',
    ])
      template.hasOutput(name, Match.anyValue());
  });

  const existingData = {
    usersTable: 'Old-AuthUsersTable1A2B3C-XYZ',
    sessionsTable: 'Old-AuthSessionsTable4D5E6F-XYZ',
    attemptsTable: 'Old-AuthAttemptsTable7G8H9I-XYZ',
    auditTable: 'Old-AuthAuditTableJ1K2L3-XYZ',
    clientsTable: 'Old-AuthClientsTableM4N5O6-XYZ',
    secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AuthSecrets890AAB0F-AbC123',
  };

  it('re-attaches the tables and secret an earlier stack kept: creates and deletes none, and points every function at them', () => {
    // Prepare and act: a new stack over the old data.
    const { template: t, stack: st, app: a } = synthStack({ existingData }, { bundle: false, nag: true });
    expect(() => a.synth()).not.toThrow(); // cdk-nag clean

    // Assess: nothing of the data is in the template, and everything names the old data.
    expect(Object.keys(t.findResources('AWS::DynamoDB::Table'))).toEqual([]);
    expect(Object.keys(t.findResources('AWS::SecretsManager::Secret'))).toEqual([]);
    const env = t.toJSON().Resources[st.getLogicalId(st.auth.functions.login.node.defaultChild as never)].Properties.Environment.Variables;
    expect(env).toMatchObject({
      AUTH_USERS_TABLE: existingData.usersTable,
      AUTH_SESSIONS_TABLE: existingData.sessionsTable,
      AUTH_ATTEMPTS_TABLE: existingData.attemptsTable,
      AUTH_AUDIT_TABLE: existingData.auditTable,
      AUTH_SECRET_ID: existingData.secretArn,
    });
    t.hasResourceProperties('Custom::AuthKeys', { SecretId: existingData.secretArn });
    const json = JSON.stringify(t.toJSON());
    for (const name of [existingData.usersTable, existingData.sessionsTable, existingData.attemptsTable, existingData.auditTable])
      expect(json).toContain(`:table/${name}`);
    expect(t.toJSON().Outputs.AttemptsTable.Value).toBe(existingData.attemptsTable);
  });

  it('creates the clients table when the kept data is from a stack that had none', () => {
    const { clientsTable: _none, ...older } = existingData;
    const { template: t } = synthStack({ existingData: older }, { bundle: false });
    expect(Object.keys(t.findResources('AWS::DynamoDB::Table'))).toEqual([expect.stringMatching(/^AuthClientsTable/)]);
  });

  it('refuses existing data that is not a table name or a complete secret ARN, naming it', () => {
    expect(() => synthStack({ existingData: { ...existingData, usersTable: 'a b' } }, { bundle: false })).toThrow(
      /existingData.usersTable must be a DynamoDB table name, got "a b"/,
    );
    expect(() =>
      synthStack(
        { existingData: { ...existingData, secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AuthSecrets' } },
        { bundle: false },
      ),
    ).toThrow(/existingData.secretArn must be the secret's complete ARN/);
  });

  it('gives the mfa function the WebAuthn relying party, and the admin routes their second-factor rule unless switched off', () => {
    const { template: t, stack: st } = synthStack(
      { webAuthn: { rpId: 'example.com', origins: ['https://app.example.com', 'https://example.com'] } },
      { bundle: false },
    );
    const env =
      t.toJSON().Resources[Stack.of(st).getLogicalId(st.auth.functions.mfa.node.defaultChild as never)].Properties.Environment.Variables;
    expect(env).toMatchObject({ AUTH_WEBAUTHN_RP_ID: 'example.com', AUTH_WEBAUTHN_ORIGINS: 'https://app.example.com,https://example.com' });
    const listOf = (template: Template) => {
      const params = Object.values(template.findResources('AWS::SSM::Parameter')) as { Properties: { Name: unknown; Value: string } }[];
      const routes = params.find((r) => JSON.stringify(r.Properties.Name).includes('/service'));
      return decodeRouteList(routes?.Properties.Value as string);
    };
    const adminUsers = (template: Template) => listOf(template).find((r) => r.path === '/api/admin/users' && r.method === 'GET');
    expect(adminUsers(t)?.access).toEqual({ roles: ['admin'], mfa: true });
    const off = synthStack({ settings: { adminRoutesRequireMfa: false } }, { bundle: false }).template;
    expect(adminUsers(off)?.access).toEqual({ roles: ['admin'] });
    expect(listOf(t).find((r) => r.path === '/api/auth/mfa/totp')?.enrolment).toBe(true);
  });

  it('writes every runtime setting given in the settings prop to the functions, under its declared variable', () => {
    const { template: t, stack: st } = synthStack(
      { settings: { sessionIdleSeconds: 3600, lockoutFreePerIp: 500, clockToleranceSeconds: 5 } },
      { bundle: false },
    );
    const env =
      t.toJSON().Resources[Stack.of(st).getLogicalId(st.auth.functions.login.node.defaultChild as never)].Properties.Environment.Variables;
    expect(env).toMatchObject({
      AUTH_SESSION_IDLE_SECONDS: '3600',
      AUTH_LOCKOUT_FREE_ATTEMPTS_PER_IP: '500',
      AUTH_CLOCK_TOLERANCE_SECONDS: '5',
    });
  });

  it.each([
    [{ bcryptCost: 9 }, 'AuthService: bcryptCost must be an integer from 10 to 15, got 9'],
    [{ allowedOrigins: ['*'] }, 'AuthService: allowedOrigins must list origins; "*" would let any site call the API'],
    [
      { allowedOrigins: ['https://app.example.com/path'] },
      'AuthService: allowedOrigins entries must be origins like https://app.example.com, got "https://app.example.com/path"',
    ],
    [{ wafRateLimitPer5Minutes: 5 }, 'AuthService: wafRateLimitPer5Minutes must be an integer from 10 to 2000000000, got 5'],
    [{ issuer: 'http://insecure.example' }, 'AuthService: issuer must be an https URL, got "http://insecure.example"'],
    [{ settings: { lockoutFreePerAccount: 0 } }, 'AuthService: settings.lockoutFreePerAccount must be an integer from 1 to 100000, got 0'],
    [{ settings: { bcryptCost: 12 } }, 'AuthService: settings.bcryptCost is set by the bcryptCost prop; use that'],
    [{ settings: { nonsense: 1 } }, 'AuthService: settings.nonsense is not a setting'],
    [
      { webAuthn: { rpId: 'example.org', origins: ['https://app.example.com'] } },
      'AuthService: webAuthn.rpId "example.org" is not the host, or a parent domain, of https://app.example.com',
    ],
    [{ settings: { mfaRequiredRoles: ['bad role'] } }, 'AuthService: settings.mfaRequiredRoles must list names'],
  ])('fails synth on a bad prop %j, naming the value', (props, message) => {
    expect(() => synthStack(props as never, { bundle: false })).toThrow(message);
  });
});

describe('mail through SES (the email prop)', () => {
  const email = { identity: 'example.com', from: 'no-reply@auth.example.com', appUrl: 'https://app.example.com' };
  const mailed = synthStack({ email }, { nag: true, bundle: false });
  const t = mailed.template;

  it('is cdk-nag clean', () => {
    expect(() => mailed.app.synth()).not.toThrow();
  });

  it('puts mail on an encrypted, TLS-only queue with a dead-letter queue after 5 receives, and alarms on the dead letters', () => {
    t.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
    });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      }),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    t.hasResourceProperties('AWS::SES::ConfigurationSet', { SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] } });
  });

  it('lets only the sender call SES, only for the identity and the configuration set, and feeds it the queue with partial batch failures', () => {
    const sesStatements = Object.values(t.findResources('AWS::IAM::Policy'))
      .flatMap(
        (r) =>
          (r as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }).Properties.PolicyDocument
            .Statement,
      )
      .filter((st) => JSON.stringify(st.Action).includes('ses:'));
    expect(sesStatements).toHaveLength(1);
    expect(sesStatements[0]?.Action).toBe('ses:SendEmail');
    const resources = JSON.stringify(sesStatements[0]?.Resource);
    expect(resources).toContain(':identity/example.com');
    expect(resources).toContain(':configuration-set/');
    expect(resources).not.toContain('*');
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('serves the mail routes, and the functions that mail get the queue', () => {
    const paths = mailed.stack.auth.api.methods.map((m) => `${m.httpMethod} ${m.resource.path}`);
    expect(paths).toEqual(
      expect.arrayContaining(['POST /api/auth/password/forgot', 'POST /api/auth/password/reset', 'POST /api/auth/email']),
    );
    const env = (fn: { node: { defaultChild?: unknown } }) =>
      t.toJSON().Resources[Stack.of(mailed.stack).getLogicalId(fn.node.defaultChild as never)].Properties.Environment.Variables;
    expect(env(mailed.stack.auth.functions.login)).toMatchObject({
      AUTH_MAIL_FROM: email.from,
      AUTH_APP_URL: email.appUrl,
      AUTH_MAIL_QUEUE_URL: expect.anything(),
    });
  });

  it.each([
    [{ identity: 'example.com', from: 'me@other.org', appUrl: 'https://app.example.com' }, 'is not at the SES identity'],
    [{ identity: 'example.com', from: 'me@example.com', appUrl: 'http://app.example.com' }, 'email.appUrl must be an https URL'],
  ])('fails synth on a bad email prop %j', (bad, message) => {
    expect(() => synthStack({ email: bad }, { bundle: false })).toThrow(message);
  });
});
