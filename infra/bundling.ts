import { LogLevel, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * How every function is bundled: esbuild, locally (no Docker), minified, with source maps, the
 * SDK bundled too (its version is pinned by our lock file, and only the commands we import are
 * kept). `test/infra/bundles.test.ts` builds with the same settings and loads the result.
 */
export const BUNDLE_SETTINGS = {
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  target: 'node22',
  format: 'cjs',
  platform: 'node',
  // Prefer the ESM builds: esbuild tree-shakes them (jose and the SDK ship both).
  mainFields: ['module', 'main'],
  external: [] as string[],
  // Build-time switches, folded by esbuild: X-Ray tracing is off unless the stack turns it on, and
  // secrets come through the Parameters and Secrets extension unless the stack has no layer for it.
  // Mail goes nowhere from a deployed function yet: no SMTP client is bundled (the local runtime's outbox).
  define: {
    'process.env.AUTH_TRACING': '"false"',
    'process.env.AUTH_SECRETS_VIA': '"extension"',
    'process.env.AUTH_MAIL_VIA': '"none"',
  } as Record<string, string>,
} as const;

/** How a browser script is bundled (the admin console, the demo page): one minified IIFE. */
export const BROWSER_BUNDLE_SETTINGS = { bundle: true, format: 'iife', target: 'es2022', minify: true } as const;

/** The same settings, as `NodejsFunction` bundling options; `define` folds build-time switches. */
export function nodejsBundling(define: Record<string, string> = {}, commandHooks?: BundlingOptions['commandHooks']): BundlingOptions {
  return {
    ...(commandHooks && { commandHooks }),
    define: { ...BUNDLE_SETTINGS.define, ...define },
    minify: BUNDLE_SETTINGS.minify,
    sourceMap: BUNDLE_SETTINGS.sourcemap,
    sourcesContent: BUNDLE_SETTINGS.sourcesContent,
    target: BUNDLE_SETTINGS.target,
    format: OutputFormat.CJS,
    mainFields: [...BUNDLE_SETTINGS.mainFields],
    bundleAwsSDK: true,
    externalModules: [...BUNDLE_SETTINGS.external],
    forceDockerBundling: false,
    logLevel: LogLevel.WARNING,
  };
}
