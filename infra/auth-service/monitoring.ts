import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { METRIC, METRICS_NAMESPACE } from '../../functions/lib/contract/telemetry';
import type { AuthService } from './auth-service';

/** A dashboard of the service's metrics (those with this `service` dimension), and alarms on what needs a human. */
export function addMonitoring(scope: AuthService, service: string, failedLoginThreshold: number, topic: sns.ITopic | undefined) {
  const period = Duration.minutes(5);
  const ours = (metricName: string, statistic = 'Sum') =>
    new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service }, statistic, period });
  // DynamoDB publishes ThrottledRequests per table and operation; an alarm sums at most 10, so
  // these are the operations on the request path.
  const hot: [dynamodb.ITable, string[]][] = [
    [scope.usersTable, ['GetItem', 'UpdateItem', 'BatchGetItem']],
    [scope.sessionsTable, ['PutItem', 'UpdateItem', 'BatchGetItem']],
    [scope.attemptsTable, ['BatchGetItem', 'UpdateItem']],
    [scope.auditTable, ['PutItem']],
    [scope.clientsTable, ['GetItem']],
  ];
  const throttles = hot.flatMap(([t, ops]) =>
    ops.map(
      (Operation) =>
        new cloudwatch.Metric({
          namespace: 'AWS/DynamoDB',
          metricName: 'ThrottledRequests',
          dimensionsMap: { TableName: t.tableName, Operation },
          statistic: 'Sum',
          period,
        }),
    ),
  );
  const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
    const a = new cloudwatch.Alarm(scope, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    if (topic) a.addAlarmAction(new cloudwatchActions.SnsAction(topic));
    return a;
  };
  const alarms = {
    failedLogins: alarm(
      'FailedLoginsAlarm',
      ours(METRIC.loginFailed),
      failedLoginThreshold,
      'A spike in failed logins: credential stuffing or a broken client',
    ),
    reuseDetected: alarm(
      'ReuseDetectedAlarm',
      ours(METRIC.reuseDetected),
      1,
      'A rotated refresh token was used again: a stolen token, or a client bug',
    ),
    authorizerFailures: alarm(
      'AuthorizerFailuresAlarm',
      ours(METRIC.authorizerFailure),
      1,
      'The authorizer failed for reasons other than a bad token (keys, DynamoDB)',
    ),
    serverErrors: alarm(
      'ServerErrorsAlarm',
      scope.api.metricServerError({ period, statistic: 'Average' }),
      0.05,
      'More than 5 % of API requests answered 5XX',
    ),
    dynamoThrottling: alarm(
      'DynamoDbThrottlingAlarm',
      new cloudwatch.MathExpression({
        expression: throttles.map((_, i) => `t${i}`).join('+'),
        usingMetrics: Object.fromEntries(throttles.map((m, i) => [`t${i}`, m])),
        period,
      }),
      1,
      'DynamoDB throttled requests of the auth service',
    ),
    keyRotationFailures: alarm(
      'KeyRotationFailedAlarm',
      scope.functions['rotate-keys'].metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      1,
      'The daily key rotation failed: keys are not rotating (see the rotate-keys function logs)',
    ),
  };
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard');
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Logins',
      left: [ours(METRIC.loginSucceeded), ours(METRIC.loginFailed), ours(METRIC.loginThrottled)],
    }),
    new cloudwatch.GraphWidget({
      title: 'Sessions',
      left: [ours(METRIC.refreshed), ours(METRIC.revocations), ours(METRIC.reuseDetected)],
    }),
    new cloudwatch.GraphWidget({ title: 'Latency (ms)', left: [ours(METRIC.latency, 'p50'), ours(METRIC.latency, 'p99')] }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'API errors',
      left: [scope.api.metricClientError({ period }), scope.api.metricServerError({ period })],
    }),
    new cloudwatch.GraphWidget({
      title: 'Authorizer',
      left: [ours(METRIC.authorizerFailure), scope.functions.authorizer.metricDuration({ period, statistic: 'p99' })],
    }),
    new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(alarms) }),
  );
  return { dashboard, alarms };
}
