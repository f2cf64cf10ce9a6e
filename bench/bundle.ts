/** Builds an entry point with the stack's esbuild settings (`infra/bundling.ts`), into a scratch directory. */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { BUNDLE_SETTINGS } from '../infra/bundling';

const ROOT = resolve(__dirname, '..');
const OUT = mkdtempSync(join(tmpdir(), 'auth-bench-'));

export function buildBundle(
  entry: string,
  name: string,
  define: Record<string, string> = {},
  mainFields: string[] = [...BUNDLE_SETTINGS.mainFields],
): { file: string; kb: number } {
  const outfile = join(OUT, `${name}.js`);
  buildSync({
    ...BUNDLE_SETTINGS,
    mainFields,
    external: [...BUNDLE_SETTINGS.external],
    define: { ...BUNDLE_SETTINGS.define, ...define },
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    outfile,
    logLevel: 'silent',
  });
  return { file: outfile, kb: statSync(outfile).size / 1024 };
}
