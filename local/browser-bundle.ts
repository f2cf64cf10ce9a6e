import { buildSync } from 'esbuild';

/** A TypeScript entry bundled for the browser: one minified IIFE (exposing `globalName` if given). */
export function browserBundle(entry: string, globalName?: string): string {
  const text = buildSync({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    ...(globalName && { globalName }),
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  }).outputFiles[0]?.text;
  if (!text) throw new Error(`${entry} did not build for the browser`);
  return text;
}
