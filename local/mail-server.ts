import { createServer, type Server } from 'node:http';
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
  /** The inbox page; `/api/messages` lists the messages as JSON (the tests read it). */
  readonly inboxUrl: string;
  messages(): readonly InboxMessage[];
  stop(): Promise<void>;
}

/** Messages kept at most: the oldest go first. */
const MAX_MESSAGES = 500;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Starts an SMTP server (no TLS, no authentication: loopback only, as a development inbox is)
 * and the inbox's web page, both on 127.0.0.1. Messages live in memory while the runtime runs.
 */
export async function startLocalMail(options: { smtpPort?: number; webPort?: number } = {}): Promise<LocalMail> {
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

  const web: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
    if (req.method === 'GET' && url.pathname === '/api/messages') {
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ messages: [...messages].reverse() }));
      return;
    }
    if (req.method === 'DELETE' && url.pathname === '/api/messages') {
      messages.length = 0;
      res.writeHead(204, headers);
      res.end();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/') {
      // Mail bodies are shown as text, never rendered: a message cannot run script in the inbox.
      const rows = [...messages]
        .reverse()
        .map(
          (m) =>
            `<article><h2>${escapeHtml(m.subject)}</h2><p class="meta">to ${escapeHtml(m.to.join(', '))} · ${escapeHtml(m.receivedAt)}</p><pre>${escapeHtml(m.text)}</pre></article>`,
        )
        .join('');
      res.writeHead(200, {
        ...headers,
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
      });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local inbox</title><style>
body{font:15px/1.45 system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem;color:#1d2330}
article{border:1px solid #d5dae3;border-radius:8px;padding:.2rem 1rem;margin:1rem 0}h2{font-size:1.05rem}.meta{color:#667}
pre{white-space:pre-wrap;background:#f4f6f9;padding:.6rem;border-radius:6px}</style></head><body><h1>Local inbox</h1>
<p class="meta">Every mail the service sends while <code>npm start</code> runs; newest first. Reload to see new ones.</p>${rows || '<p>No mail yet.</p>'}</body></html>`);
      return;
    }
    res.writeHead(404, { ...headers, 'Content-Type': 'application/json' });
    res.end('{"error":"not_found","error_description":"no such page"}');
  });
  await new Promise<void>((resolve) => web.listen(options.webPort ?? 0, '127.0.0.1', () => resolve()));
  const webPort = (web.address() as AddressInfo).port;

  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    inboxUrl: `http://127.0.0.1:${webPort}`,
    messages: () => messages,
    stop: async () => {
      await Promise.all([new Promise<void>((r) => smtp.close(() => r())), new Promise<void>((r) => web.close(() => r()))]);
    },
  };
}
