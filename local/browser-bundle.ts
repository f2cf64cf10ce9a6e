import { buildSync } from 'esbuild';
import { BROWSER_BUNDLE_SETTINGS } from '../infra/bundling';

/** A TypeScript entry bundled for the browser: one minified IIFE (exposing `globalName` if given). */
export function browserBundle(entry: string, globalName?: string): string {
  const text = buildSync({
    entryPoints: [entry],
    ...BROWSER_BUNDLE_SETTINGS,
    ...(globalName && { globalName }),
    write: false,
    logLevel: 'silent',
  }).outputFiles[0]?.text;
  if (!text) throw new Error(`${entry} did not build for the browser`);
  return text;
}
