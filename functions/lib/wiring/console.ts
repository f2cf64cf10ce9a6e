import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSOLE_FILES, type ConsoleFile } from '../contract/console';
import type { AuthLogger } from '../telemetry/events';
import { createLogger } from '../telemetry/logger';
import { type Env, loadIssuer } from './config';

/** What the console's handler serves: its files, and the path the API is under. */
export interface ConsoleDeps {
  readonly logger: AuthLogger;
  /** The issuer's path (an API Gateway stage, `/prod`), which the page's file URLs start with. */
  readonly basePath: string;
  readonly files: Readonly<Record<ConsoleFile, string>>;
}

/** The console's dependencies over these files, under the issuer in `env`. */
export function consoleDeps(files: Readonly<Record<ConsoleFile, string>>, env: Env = process.env): ConsoleDeps {
  return { logger: createLogger(), basePath: new URL(loadIssuer(env)).pathname.replace(/\/$/, ''), files };
}

/** The files as the construct bundles them, beside the function's code in `dir`. */
export const filesIn = (dir: string): Record<ConsoleFile, string> =>
  Object.fromEntries(Object.values(CONSOLE_FILES).map(([file]) => [file, readFileSync(join(dir, file), 'utf8')])) as Record<
    ConsoleFile,
    string
  >;
