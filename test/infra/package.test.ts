import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    // The admin console's sources, which the construct bundles beside its function.
    expect(files).toEqual(
      expect.arrayContaining(['console/index.html', 'console/console.ts', 'console/console.css', 'client/auth-client.ts']),
    );
    expect(files).toContain('LICENSE');
    expect(files).toContain('CHANGELOG.md');
    const outside = files.filter(
      (f) => !/^(dist|functions|console|client)\//.test(f) && !['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE'].includes(f),
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

/**
 * The package as another team gets it: `npm pack`, installed into an empty project with its
 * peers (from npm's cache when it has them), then an app there that makes the auth stack and
 * protects its own API. The construct bundles the functions from `node_modules` with that
 * project's esbuild and lock file.
 */
it('installs from its tarball into an empty project, whose app synthesizes the auth stack and protects its own API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'auth-consumer-'));
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout: 180_000 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.slice(-2000)}`);
    return r.stdout;
  };
  try {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    const pinned = (name: string) => `${name}@${lock.packages[`node_modules/${name}`]?.version}`;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'team-app', version: '1.0.0', private: true }));
    const tarball = (
      JSON.parse(
        spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' }).stdout,
      ) as [{ filename: string }]
    )[0].filename;
    run('npm', [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      `./${tarball}`,
      ...['aws-cdk-lib', 'constructs', 'esbuild'].map(pinned),
    ]);
    writeFileSync(
      join(dir, 'app.js'),
      `const { App, Stack } = require('aws-cdk-lib');
const { RestApi, MockIntegration } = require('aws-cdk-lib/aws-apigateway');
const { AuthStack } = require('aws-auth-service');
const { callerFromContext } = require('aws-auth-service/caller');
const env = { account: '111111111111', region: 'eu-west-1' };
const app = new App({ outdir: 'cdk.out' });
const auth = new AuthStack(app, 'TeamAuth', { env, auth: { adminConsole: true, tokenDelivery: 'both' } });
const api = new RestApi(new Stack(app, 'TeamApi', { env }), 'Api', { cloudWatchRole: false });
auth.auth.protect(api).addRoute('/things', 'GET', new MockIntegration());
const stacks = app.synth().stacks;
const consoles = require('fs').readdirSync('cdk.out').filter((d) => require('fs').existsSync('cdk.out/' + d + '/console.js'));
console.log(JSON.stringify({ consoleScripts: consoles.map((d) => require('fs').statSync('cdk.out/' + d + '/console.js').size), caller: typeof callerFromContext, stacks: stacks.map((s) => s.stackName), functions: stacks.flatMap((s) => Object.values(s.template.Resources)).filter((r) => r.Type === 'AWS::Lambda::Function').length }));
`,
    );
    const out = JSON.parse(run(process.execPath, ['app.js']).trim().split('\n').pop() as string) as {
      consoleScripts: number[];
      caller: string;
      stacks: string[];
      functions: number;
    };
    expect(out.caller).toBe('function');
    // The admin console's script, bundled from the package's sources with the team's esbuild.
    expect(out.consoleScripts).toEqual([expect.any(Number)]);
    expect(out.consoleScripts[0]).toBeGreaterThan(10_000);
    expect(out.stacks).toEqual(['TeamAuth', 'TeamApi']);
    expect(out.functions).toBeGreaterThanOrEqual(15);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
