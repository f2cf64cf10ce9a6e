import { Logger } from '@aws-lambda-powertools/logger';

export { logAuthEvent, type AuthEvent, type AuthEventFields, type AuthLogger } from './events';

/** The service's logger (Powertools; level from POWERTOOLS_LOG_LEVEL). */
export const createLogger = (): Logger => new Logger({ serviceName: 'auth' });
