import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { ResolvedProps } from './props';

/** The outbox of mail on AWS: a queue, its dead-letter queue, and the SES configuration set. */
export interface MailOutbox {
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;
  readonly configurationSet: ses.ConfigurationSet;
  readonly from: string;
  readonly appUrl: string;
  readonly identity: string;
}

/** How often SQS hands a mail to the sender before it goes to the dead-letter queue. */
const MAX_RECEIVES = 5;

/**
 * The queue the functions put mail on (off the request path), its dead-letter queue (14 days,
 * alarmed on), and a configuration set that suppresses addresses that bounced or complained.
 * Both queues are encrypted and refuse requests without TLS.
 */
export function addMailOutbox(scope: Construct, email: NonNullable<ResolvedProps['email']>): MailOutbox {
  const deadLetters = new sqs.Queue(scope, 'MailDeadLetters', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const queue = new sqs.Queue(scope, 'MailOutbox', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // Six times the sender's timeout, as Lambda's SQS guidance says.
    visibilityTimeout: Duration.seconds(180),
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: MAX_RECEIVES },
  });
  const configurationSet = new ses.ConfigurationSet(scope, 'Mail', {
    suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
  });
  configurationSet.addEventDestination('Outcomes', {
    destination: ses.EventDestination.cloudWatchDimensions([
      { name: 'kind', source: ses.CloudWatchDimensionSource.MESSAGE_TAG, defaultValue: 'unknown' },
    ]),
    events: [ses.EmailSendingEvent.DELIVERY, ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT, ses.EmailSendingEvent.REJECT],
  });
  return { queue, deadLetters, configurationSet, ...email };
}

/**
 * The sender: fed by the queue (a partial batch failure sends back only the mails SES refused),
 * allowed `ses:SendEmail` on the identity and the configuration set only. An alarm fires once a
 * mail lands in the dead-letter queue.
 */
export function connectMailSender(scope: Construct, outbox: MailOutbox, sender: NodejsFunction, alarmTopic?: ResolvedProps['alarmTopic']) {
  sender.addEventSource(new SqsEventSource(outbox.queue, { batchSize: 10, reportBatchItemFailures: true }));
  const stack = Stack.of(scope);
  sender.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['ses:SendEmail'],
      resources: [
        stack.formatArn({ service: 'ses', resource: 'identity', resourceName: outbox.identity }),
        stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: outbox.configurationSet.configurationSetName }),
      ],
    }),
  );
  const alarm = new cloudwatch.Alarm(scope, 'MailDeadLettersAlarm', {
    alarmDescription: `A mail failed ${MAX_RECEIVES} times and is in the dead-letter queue: check SES (identity, sandbox, quota) and the sender's logs`,
    metric: outbox.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  if (alarmTopic) alarm.addAlarmAction(new actions.SnsAction(alarmTopic));
  return alarm;
}
