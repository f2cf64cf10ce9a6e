import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConsoleFile } from '../functions/lib/contract/console';
import { browserBundle } from './browser-bundle';

const DIR = join(__dirname, '..', 'console');

/**
 * The admin console's files, built from `console/` as the construct builds them beside the
 * deployed function: the page, the style sheet, and the script bundled with the client.
 */
export function consoleFiles(): Record<ConsoleFile, string> {
  return {
    'console.html': readFileSync(join(DIR, 'index.html'), 'utf8'),
    'console.css': readFileSync(join(DIR, 'console.css'), 'utf8'),
    'console.js': browserBundle(join(DIR, 'console.ts')),
  };
}
