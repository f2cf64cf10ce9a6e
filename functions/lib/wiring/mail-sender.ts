import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { AuthLogger } from '../telemetry/events';
import { createJsonLogger } from '../telemetry/lite-logger';
import { ConfigError, ENV } from './config';

/** What the sender needs: an SES v2 client, the sender address, and the configuration set that records bounces. */
export interface MailSenderDeps {
  readonly ses: Pick<SESv2Client, 'send'>;
  readonly from: string;
  /** Records deliveries, bounces and complaints, and suppresses bounced addresses. */
  readonly configurationSet?: string | undefined;
  readonly logger: AuthLogger;
}

/** The mail sender's composition root: the SES client and what the construct set in its environment. */
export async function defaultMailSenderDeps(): Promise<MailSenderDeps> {
  const from = process.env[ENV.mailFrom];
  if (!from) throw new ConfigError(`${ENV.mailFrom} is required`);
  return {
    ses: new SESv2Client({}),
    from,
    configurationSet: process.env[ENV.sesConfigurationSet] || undefined,
    logger: createJsonLogger({ level: process.env.POWERTOOLS_LOG_LEVEL }),
  };
}
