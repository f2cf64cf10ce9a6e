import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { API_VERSION } from '../../functions/lib/contract/openapi';

/**
 * What other teams install: `npm pack` of this repository (after `npm run build`, which `npm
 * test` runs first). Every entry point it exports is in it with its type declarations; no test,
 * benchmark, example or local-runtime code is; and the example consumer reaches the package only
 * through those entry points.
 */
const ROOT = resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  exports: Record<string, string | { types: string; default: string }>;
};

let files: string[];
beforeAll(() => {
  const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(packed.status).toBe(0);
  files = (JSON.parse(packed.stdout) as [{ files: { path: string }[] }])[0].files.map((f) => f.path);
});

describe('the package', () => {
  it('holds every entry point it exports, with its type declarations', () => {
    const targets = Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : [t.types, t.default]));
    for (const target of targets) expect([target, files.includes(target.replace(/^\.\//, ''))]).toEqual([target, true]);
  });

  it('ships the functions the construct bundles, and no test, bench, example or local-runtime code', () => {
    expect(files).toContain('functions/authorizer.ts');
    expect(files).toContain('LICENSE');
    expect(files).toContain('CHANGELOG.md');
    const outside = files.filter(
      (f) => !/^(dist|functions)\//.test(f) && !['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE'].includes(f),
    );
    expect(outside).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|local|bench|examples)\/|\.test\.ts$/.test(f))).toEqual([]);
  });

  it('says its version in the OpenAPI document and in the changelog', () => {
    expect(API_VERSION).toBe(pkg.version);
    expect(readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')).toMatch(new RegExp(`^## ${pkg.version.replaceAll('.', '\\.')}\\b`, 'm'));
  });

  it('is all the example consumer imports: no path into the repository', () => {
    const dir = join(ROOT, 'examples/orders');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const imports = [...readFileSync(join(dir, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1] as string);
      expect([file, imports.filter((i) => i.startsWith('..'))]).toEqual([file, []]);
      const own = imports.filter((i) => i.startsWith('aws-auth-service'));
      for (const i of own) expect(['.', ...Object.keys(pkg.exports)].map((k) => `aws-auth-service${k.slice(1)}`)).toContain(i);
    }
  });
});
