import type { EmailSender } from '../domain/ports';
import { createJsonLogger } from '../telemetry/lite-logger';
import type { Config } from './config';

/**
 * The mail outbox the configuration names: the local runtime's SMTP server. The deployed
 * functions are built with `AUTH_MAIL_VIA` folded to `none` (no SMTP client in their bundles)
 * until their own outbox is configured. Unset: no mail, and the routes that mail are not served.
 */
export function mailSenderFromConfig(
  config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'appUrl' | 'issuer' | 'mailQueueUrl'>,
): EmailSender | undefined {
  // Deployed with mail: the SQS outbox (the only mail code in those bundles).
  if (process.env.AUTH_MAIL_VIA === 'sqs') {
    if (!config.mailQueueUrl) return undefined;
    const { SQSClient } = require('@aws-sdk/client-sqs') as typeof import('@aws-sdk/client-sqs');
    const { createSqsOutbox } = require('../stores/sqs-outbox') as typeof import('../stores/sqs-outbox');
    return createSqsOutbox({ client: new SQSClient({}), queueUrl: config.mailQueueUrl });
  }
  if (process.env.AUTH_MAIL_VIA === 'none' || !config.smtpUrl) return undefined;
  const { createSmtpOutbox } = require('../stores/smtp-outbox') as typeof import('../stores/smtp-outbox');
  const logger = createJsonLogger({ level: process.env.POWERTOOLS_LOG_LEVEL });
  return createSmtpOutbox({
    url: config.smtpUrl,
    from: config.mailFrom ?? `no-reply@${new URL(config.appUrl ?? config.issuer).hostname}`,
    // The kind of mail and the error, never the message: its body may hold a link.
    onFailure: ({ kind, error }) => logger.error('mail_failed', { event: 'mail_failed', kind, error: error.message }),
  });
}
