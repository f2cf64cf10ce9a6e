import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Page } from './gateway';

/**
 * No inline script and nothing from elsewhere: the scripts are these files, and they fetch only
 * `/openapi.json`. Swagger UI sets inline style attributes and draws its icons as data: URIs.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The interactive API reference at `/docs`: Swagger UI (swagger-ui-dist, from npm), reading the
 * same `/openapi.json` the service publishes. Swagger UI because it is the reference renderer of
 * the OpenAPI Initiative's ecosystem, ships as plain files that run under a CSP with no inline
 * script, and has "Try it out", so every route can be called from the page.
 */
export function apiDocsPages(): Record<string, Page> {
  const dist = dirname(require.resolve('swagger-ui-dist/package.json'));
  const file = (name: string) => readFileSync(join(dist, name), 'utf8');
  const headers = { 'Content-Security-Policy': CSP };
  const index = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aws-auth-service API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="api"></div>
<script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/start.js"></script></body></html>
`;
  // validatorUrl: null keeps the page from sending the document to swagger.io's validator.
  const start = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#api', deepLinking: true, validatorUrl: null });\n`;
  return {
    '/docs': { contentType: 'text/html; charset=utf-8', body: index, headers },
    '/docs/': { contentType: 'text/html; charset=utf-8', body: index, headers },
    '/docs/swagger-ui.css': { contentType: 'text/css; charset=utf-8', body: file('swagger-ui.css'), headers },
    '/docs/swagger-ui-bundle.js': { contentType: 'text/javascript; charset=utf-8', body: file('swagger-ui-bundle.js'), headers },
    '/docs/start.js': { contentType: 'text/javascript; charset=utf-8', body: start, headers },
  };
}
