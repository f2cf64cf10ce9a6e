import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/**
 * The layers of functions/lib, held as a rule: each import points down the allow-list, nothing
 * imports in a cycle, and only wiring/ reads the environment (ARCHITECTURE.md, "Layers").
 */
const LIB = join(__dirname, '../../functions/lib');

/** Which layers each layer may import (its own is always allowed). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  contract: [],
  domain: ['contract'],
  tokens: ['domain', 'contract'],
  stores: ['tokens', 'domain', 'contract'],
  telemetry: ['domain', 'contract'],
  authz: ['tokens', 'domain', 'contract'],
  http: ['telemetry', 'tokens', 'domain', 'contract'],
  flows: ['telemetry', 'tokens', 'domain', 'contract'],
  wiring: ['flows', 'http', 'authz', 'telemetry', 'stores', 'tokens', 'domain', 'contract'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}
const layerOf = (path: string) => relative(LIB, path).split(sep)[0] as string;
const SPECIFIER = /(?:from\s+|require\(\s*|import\(\s*)'(\.{1,2}\/[^']+)'/g;

/** Every module under functions/lib and the modules it imports (type imports included). */
const graph = new Map<string, string[]>(
  files(LIB).map((file) => {
    const source = readFileSync(file, 'utf8');
    const targets = [...source.matchAll(SPECIFIER)].map((m) => `${normalize(join(dirname(file), m[1] as string))}.ts`);
    return [file, targets];
  }),
);

describe('the layers of functions/lib', () => {
  it('puts every file in a known layer', () => {
    expect([...graph.keys()].map(layerOf).filter((l) => !(l in ALLOWED))).toEqual([]);
  });

  it('imports only down the allow-list', () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        if (!target.startsWith(LIB)) {
          wrong.push(`${relative(LIB, file)} -> ${relative(LIB, target)} (outside functions/lib)`);
          continue;
        }
        const [from, to] = [layerOf(file), layerOf(target)];
        if (from !== to && !(ALLOWED[from] ?? []).includes(to)) wrong.push(`${relative(LIB, file)} -> ${relative(LIB, target)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('has no import cycle', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(LIB, f)).join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('reads process.env only in wiring/', () => {
    const readers = [...graph.keys()].filter((f) => layerOf(f) !== 'wiring' && readFileSync(f, 'utf8').includes('process.env'));
    expect(readers.map((f) => relative(LIB, f))).toEqual([]);
  });
});
