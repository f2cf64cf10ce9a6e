import { SERVICE_NAME } from '../contract/telemetry';
import type { AuthLogger } from './events';

const LEVELS = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, CRITICAL: 50, SILENT: 60 } as const;

/**
 * A structured JSON logger with Powertools Logger's line shape (level, message, timestamp,
 * service, then the fields) and its POWERTOOLS_LOG_LEVEL, in a few hundred bytes: for the
 * authorizer, whose bundle and cold start are budgeted (Powertools adds 20 KB).
 */
export function createJsonLogger(options: { level?: string | undefined; service?: string } = {}): AuthLogger {
  const service = options.service ?? SERVICE_NAME;
  const configured = (options.level ?? 'INFO').toUpperCase() as keyof typeof LEVELS;
  const threshold = LEVELS[configured] ?? LEVELS.INFO;
  const write =
    (level: 'INFO' | 'WARN' | 'ERROR') =>
    (message: string, ...extra: unknown[]) => {
      if (LEVELS[level] < threshold) return;
      const fields = Object.fromEntries(
        Object.entries((extra[0] ?? {}) as Record<string, unknown>).map(([k, v]) => [
          k,
          v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v,
        ]),
      );
      process.stdout.write(`${JSON.stringify({ level, message, timestamp: new Date().toISOString(), service, ...fields })}\n`);
    };
  return { info: write('INFO'), warn: write('WARN'), error: write('ERROR') } as AuthLogger;
}
