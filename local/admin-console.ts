import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { browserBundle } from './browser-bundle';
import type { Page } from './gateway';

const DIR = join(__dirname, '..', 'console');

/**
 * Nothing inline and nothing from elsewhere: one script file, one style sheet, and calls to this
 * origin only. The page cannot be framed (clickjacking), and forms post nowhere.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The admin console at `/admin`: its page, its style sheet, and its script bundled with the client. */
export function adminConsolePages(): Record<string, Page> {
  const script = browserBundle(join(DIR, 'console.ts'));
  const headers = { 'Content-Security-Policy': CONSOLE_CSP, 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'no-referrer' };
  const html = readFileSync(join(DIR, 'index.html'), 'utf8');
  return {
    '/admin': { contentType: 'text/html; charset=utf-8', body: html, headers },
    '/admin/': { contentType: 'text/html; charset=utf-8', body: html, headers },
    '/admin/console.css': { contentType: 'text/css; charset=utf-8', body: readFileSync(join(DIR, 'console.css'), 'utf8'), headers },
    '/admin/console.js': { contentType: 'text/javascript; charset=utf-8', body: script, headers },
  };
}
