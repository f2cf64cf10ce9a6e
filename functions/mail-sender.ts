import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { OutboxEntry } from './lib/stores/sqs-outbox';
import { lazyDeps, type DepsInput } from './lib/http/lazy';
import { defaultMailSenderDeps, type MailSenderDeps } from './lib/wiring/mail-sender';

export type { MailSenderDeps } from './lib/wiring/mail-sender';

/**
 * Delivers the outbox's mail through SES v2, one SQS record at a time. A record SES refuses or
 * cannot take is reported as a batch item failure, so SQS tries it again and, past its receive
 * limit, moves it to the dead-letter queue (which is alarmed on). An entry without a mail (a
 * request that found no account) and an unreadable record are dropped: retrying cannot help.
 * Logs say which kind of mail failed, never its body or its recipient's link.
 */
export function createHandler(deps: DepsInput<MailSenderDeps>) {
  const ready = lazyDeps(deps);
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const d = await ready();
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records ?? []) {
      let entry: OutboxEntry;
      try {
        entry = JSON.parse(record.body) as OutboxEntry;
      } catch {
        d.logger.error('mail_dropped', { event: 'mail_dropped', reason: 'unreadable' });
        continue;
      }
      const mail = entry?.mail;
      if (!mail) continue;
      try {
        await d.ses.send(
          new SendEmailCommand({
            FromEmailAddress: d.from,
            Destination: { ToAddresses: [mail.to] },
            Content: { Simple: { Subject: { Data: mail.subject }, Body: { Text: { Data: mail.text }, Html: { Data: mail.html } } } },
            ...(d.configurationSet && { ConfigurationSetName: d.configurationSet }),
            EmailTags: [{ Name: 'kind', Value: mail.kind }],
          }),
        );
      } catch (err) {
        d.logger.error('mail_failed', { event: 'mail_failed', kind: mail.kind, error: (err as Error)?.name ?? 'Error' });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

export const handler = createHandler(defaultMailSenderDeps);
