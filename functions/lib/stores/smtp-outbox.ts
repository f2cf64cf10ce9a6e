import { createTransport } from 'nodemailer';
import type { EmailSender } from '../domain/ports';

/** What an outbox reports when a delivery fails: never the message's body (it may hold a link). */
export type DeliveryFailure = (failure: { readonly kind: string; readonly error: Error }) => void;

/**
 * The local runtime's mail: an in-process queue in front of an SMTP server (the local inbox), as
 * SQS stands in front of SES on AWS. `send` queues and returns at once; one delivery runs at a time.
 */
export function createSmtpOutbox(options: { url: string; from: string; onFailure: DeliveryFailure }): EmailSender {
  const transport = createTransport(options.url);
  let tail: Promise<void> = Promise.resolve();
  return {
    async send(message) {
      if (!message) return;
      // After this turn of the event loop: the answer goes out before any MIME is built, so a
      // request that mails costs what one that does not costs (as an SQS put would).
      tail = tail
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(() =>
          transport.sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text, html: message.html }).then(
            () => undefined,
            (error: Error) => options.onFailure({ kind: message.kind, error }),
          ),
        );
    },
  };
}
