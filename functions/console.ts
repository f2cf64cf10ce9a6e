import { CONSOLE_FILES, CONSOLE_HEADERS } from './lib/contract/console';
import { NotFoundError } from './lib/domain/errors';
import { createHttpHandler, type HttpHandler } from './lib/http/handler';
import type { DepsInput } from './lib/http/lazy';
import { createLogger } from './lib/telemetry/logger';
import { type ConsoleDeps, consoleDeps, filesIn } from './lib/wiring/console';

/**
 * `GET /admin`, `/admin/console.js` and `/admin/console.css`: the admin console's page, script and
 * style sheet. The page then signs in through the service and calls only the admin API, so this
 * function reads no table and holds no secret. The page's file URLs take the issuer's path (the
 * API Gateway stage), as the refresh cookie's path does.
 */
export function createHandler(deps: DepsInput<ConsoleDeps>): HttpHandler {
  return createHttpHandler(deps, createLogger(), async (event, d) => {
    const served = CONSOLE_FILES[event.resource];
    if (!served) throw new NotFoundError('no such route');
    const [file, contentType] = served;
    const body = file === 'console.html' ? d.files[file].replaceAll('"/admin/', `"${d.basePath}/admin/`) : d.files[file];
    return { statusCode: 200, headers: { ...CONSOLE_HEADERS, 'Content-Type': contentType }, body };
  });
}

// The construct bundles the files beside this code; read on the first request.
export const handler = createHandler(async () => consoleDeps(filesIn(__dirname)));
