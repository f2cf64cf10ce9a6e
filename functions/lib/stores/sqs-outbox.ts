import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { EmailMessage } from '../domain/email-messages';
import type { EmailSender } from '../domain/ports';
import { rethrowDynamoError } from './dynamo';

/** What goes on the queue: a mail, or nothing (the sender drops it). */
export type OutboxEntry = { readonly mail: EmailMessage } | { readonly mail: null };

/**
 * The deployed functions' mail: a message on an SQS queue, which the sender function delivers
 * through SES with retries and a dead-letter queue. Off the request path, and the same one call
 * whether there is a mail or not: a request that finds no account costs what one that does.
 */
export function createSqsOutbox(options: { readonly client: SQSClient; readonly queueUrl: string }): EmailSender {
  return {
    async send(message) {
      const entry: OutboxEntry = { mail: message ?? null };
      try {
        await options.client.send(new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: JSON.stringify(entry) }));
      } catch (err) {
        // SQS's faults are the service's, as DynamoDB's are: 503, retry later.
        rethrowDynamoError(err);
      }
    },
  };
}
