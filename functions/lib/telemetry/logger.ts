import { Logger } from '@aws-lambda-powertools/logger';
import { SERVICE_NAME } from '../contract/telemetry';

/**
 * The service's logger (Powertools; level from POWERTOOLS_LOG_LEVEL). Only composition roots
 * import it: the log-event helpers live in `events.ts`, which pulls in no Powertools.
 */
export const createLogger = (): Logger => new Logger({ serviceName: SERVICE_NAME });
