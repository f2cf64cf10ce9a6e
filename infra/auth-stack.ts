import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AuthService, type AuthServiceProps } from './auth-service';

/** Props of the stack: the service's props, plus the usual stack props. */
export interface AuthStackProps extends StackProps {
  readonly auth?: AuthServiceProps;
}

/** One deployable auth service, with the outputs an operator needs. */
export class AuthStack extends Stack {
  readonly auth: AuthService;

  constructor(scope: Construct, id: string, props: AuthStackProps = {}) {
    super(scope, id, props);
    this.auth = new AuthService(this, 'Auth', props.auth);
    const url = this.auth.url;
    new CfnOutput(this, 'ApiUrl', { value: url, description: 'Base URL of the API' });
    new CfnOutput(this, 'JwksUrl', { value: `${url}.well-known/jwks.json`, description: 'Public keys that verify access tokens' });
    if (this.auth.domain) {
      new CfnOutput(this, 'DomainTarget', {
        value: this.auth.domain.domainNameAliasDomainName,
        description: 'Point a DNS alias (or CNAME) of the custom domain here',
      });
    }
    new CfnOutput(this, 'Issuer', { value: this.auth.issuer, description: 'iss of access tokens' });
    new CfnOutput(this, 'Audience', { value: this.auth.audience, description: 'aud of access tokens' });
    new CfnOutput(this, 'UsersTable', { value: this.auth.usersTable.tableName });
    new CfnOutput(this, 'SessionsTable', { value: this.auth.sessionsTable.tableName });
    new CfnOutput(this, 'AttemptsTable', { value: this.auth.attemptsTable.tableName });
    new CfnOutput(this, 'AuditTable', { value: this.auth.auditTable.tableName });
    new CfnOutput(this, 'ClientsTable', { value: this.auth.clientsTable.tableName });
    new CfnOutput(this, 'PublicJwksParameter', {
      value: this.auth.publicJwksParameterName,
      description: 'SSM parameter with the published public keys (for the CLI key commands)',
    });
    new CfnOutput(this, 'SecretArn', {
      value: this.auth.secret.secretArn,
      description: 'Secret with the signing keys and pepper (its ARN, not its value)',
    });
  }
}
