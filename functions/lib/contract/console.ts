/**
 * The admin console as the API serves it (the `console` function on AWS, the same handler in
 * `npm start`): three files under `/admin`, each with the headers below.
 */

/** The files by route path: the file's name beside the function, and its content type. */
export const CONSOLE_FILES: Readonly<Record<string, readonly [ConsoleFile, string]>> = {
  '/admin': ['console.html', 'text/html; charset=utf-8'],
  '/admin/console.js': ['console.js', 'text/javascript; charset=utf-8'],
  '/admin/console.css': ['console.css', 'text/css; charset=utf-8'],
};
export type ConsoleFile = 'console.html' | 'console.js' | 'console.css';

/**
 * Nothing inline and nothing from elsewhere: one script file, one style sheet, and calls to this
 * origin only (OWASP Content Security Policy Cheat Sheet). The page cannot be framed
 * (clickjacking), forms post nowhere, and no `<base>` can move its relative URLs.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Sent with each file. */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  // Each deployment's files are fetched again (they change with it); they are small.
  'Cache-Control': 'no-cache',
};
