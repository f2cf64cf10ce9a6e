import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A message as the inbox keeps it. */
export interface InboxMessage {
  readonly id: number;
  readonly from: string;
  readonly to: string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly receivedAt: string;
}

/** The local runtime's mail: a real SMTP server on loopback and a web inbox a person can open. */
export interface LocalMail {
  /** `smtp://127.0.0.1:PORT`, for the functions' mail sender. */
  readonly smtpUrl: string;
  /** The inbox page and its JSON (`/inbox/api/messages`, which the tests read), for the gateway to serve. */
  readonly pages: Readonly<Record<string, () => { headers: Record<string, string>; body: string }>>;
  messages(): readonly InboxMessage[];
  stop(): Promise<void>;
}

/** Where the gateway serves the inbox. */
export const INBOX_PATH = '/inbox/';

/** Messages kept at most: the oldest go first. */
const MAX_MESSAGES = 500;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Starts an SMTP server on 127.0.0.1 (no TLS, no authentication: loopback only, as a development
 * inbox is) and makes the inbox's page. Messages live in memory while the runtime runs.
 */
export async function startLocalMail(options: { smtpPort?: number } = {}): Promise<LocalMail> {
  const messages: InboxMessage[] = [];
  let nextId = 1;
  const smtp = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    banner: 'aws-auth-service local inbox',
    size: 1024 * 1024,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push({
            id: nextId++,
            from: mail.from?.text ?? '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
            receivedAt: new Date().toISOString(),
          });
          if (messages.length > MAX_MESSAGES) messages.shift();
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(options.smtpPort ?? 0, '127.0.0.1', () => resolve());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    pages: {
      [INBOX_PATH]: () => ({
        // Mail bodies are shown as text, never rendered: a message cannot run script in the inbox.
        headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'" },
        body: inboxPage(messages),
      }),
      [`${INBOX_PATH}api/messages`]: () => ({
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ messages: [...messages].reverse() }),
      }),
    },
    messages: () => messages,
    stop: () => new Promise<void>((r) => smtp.close(() => r())),
  };
}

/** The inbox page: every message, newest first. */
function inboxPage(messages: readonly InboxMessage[]): string {
  const rows = [...messages]
    .reverse()
    .map(
      (m) =>
        `<article><h2>${escapeHtml(m.subject)}</h2><p class="meta">to ${escapeHtml(m.to.join(', '))} · ${escapeHtml(m.receivedAt)}</p><pre>${escapeHtml(m.text)}</pre></article>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local inbox</title><style>
body{font:15px/1.45 system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem;color:#1d2330}
article{border:1px solid #d5dae3;border-radius:8px;padding:.2rem 1rem;margin:1rem 0}h2{font-size:1.05rem}.meta{color:#667}
pre{white-space:pre-wrap;background:#f4f6f9;padding:.6rem;border-radius:6px}</style></head><body><h1>Local inbox</h1>
<p class="meta">Every mail the service sends while <code>npm start</code> runs; newest first. Reload to see new ones.</p>${rows || '<p>No mail yet.</p>'}</body></html>`;
}
