import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { createHandler as createMailSender } from '../../functions/mail-sender';
import { passwordResetMail } from '../../functions/lib/domain/email-messages';
import { createSqsOutbox } from '../../functions/lib/stores/sqs-outbox';
import { freePort } from '../../local/dynamodb-local';
import { recordingLogger } from '../helpers/harness';

/**
 * The deployed mail path on moto's SQS and SES v2 (their real API semantics, on loopback): the
 * outbox puts a message on the queue, and the sender function, fed the queue's messages in
 * Lambda's SQS event shape, delivers them through SES.
 */
const hasMoto = spawnSync('python3', ['-c', 'import moto.server'], { encoding: 'utf8' }).status === 0;
if (!hasMoto) process.stdout.write('\nmoto is not installed (pip install "moto[server]"): the mail delivery tests are skipped\n');
const describeWithMoto = hasMoto ? describe : describe.skip;
const FIXTURE = JSON.parse(readFileSync(join(__dirname, '../fixtures/sqs-event.json'), 'utf8')) as SQSEvent;
const ctx = { productName: 'aws-auth-service', appUrl: 'https://app.example.com' };

describeWithMoto('mail through SQS and SES v2 (moto)', () => {
  let moto: ChildProcess;
  let endpoint: string;
  let sqs: SQSClient;
  let ses: SESv2Client;

  beforeAll(async () => {
    const port = await freePort();
    moto = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    endpoint = `http://127.0.0.1:${port}`;
    const config = { endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' }, maxAttempts: 1 };
    sqs = new SQSClient(config);
    ses = new SESv2Client(config);
    for (let i = 0; ; i++) {
      try {
        await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' }));
        break;
      } catch (err) {
        if (i > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  afterAll(() => {
    sqs?.destroy();
    ses?.destroy();
    moto?.kill('SIGKILL');
  });

  /** What the queue holds, as the SQS event Lambda would be given. */
  async function drain(queueUrl: string): Promise<SQSEvent> {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    const [shape] = FIXTURE.Records;
    return {
      Records: Messages.map((m) => ({
        ...(shape as SQSEvent['Records'][number]),
        messageId: m.MessageId as string,
        body: m.Body as string,
      })),
    };
  }

  it('queues one message per request, mail or none, and the sender delivers the mails only', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'outbox' }));
    const outbox = createSqsOutbox({ client: sqs, queueUrl: QueueUrl as string });
    await outbox.send(passwordResetMail('ann@example.org', 'the-token', 30, ctx));
    await outbox.send(undefined);
    const event = await drain(QueueUrl as string);
    expect(event.Records).toHaveLength(2);

    const logger = recordingLogger();
    const send = createMailSender({ ses, from: 'no-reply@example.com', logger });
    expect(await send(event)).toEqual({ batchItemFailures: [] });
    const sent = (
      (await (await fetch(`${endpoint}/moto-api/data.json`)).json()) as {
        ses: { Message: { destinations: unknown; subject: string; source: string }[] };
      }
    ).ses.Message;
    expect(sent).toEqual([
      expect.objectContaining({
        destinations: { ToAddresses: ['ann@example.org'] },
        subject: 'aws-auth-service: reset your password',
        source: 'no-reply@example.com',
      }),
    ]);
  });

  it('reports a mail SES refuses as a batch item failure (SQS retries it, then the dead-letter queue), and drops an unreadable record', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'outbox-refused' }));
    await createSqsOutbox({ client: sqs, queueUrl: QueueUrl as string }).send(
      passwordResetMail('bob@example.org', 'secret-token', 30, ctx),
    );
    const event = await drain(QueueUrl as string);
    const garbage = { ...(event.Records[0] as SQSEvent['Records'][number]), messageId: 'garbage', body: 'not json' };
    const logger = recordingLogger();
    // moto, as SES, refuses a sender whose identity is not verified.
    const send = createMailSender({ ses, from: 'no-reply@unverified.example', logger });
    const result = await send({ Records: [...event.Records, garbage] });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    expect(logger.text()).toContain('"event":"mail_failed"');
    expect(logger.text()).not.toContain('secret-token');
    expect(logger.text()).not.toContain('bob@example.org');
  });
});
