/**
 * The benchmark's charts: vega-lite specifications, rendered to SVG in Node by vega's
 * headless renderer (no browser). Sections add their charts with `chart()`; a full run writes
 * them to docs/bench/, where BENCHMARKS.md shows them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const DIR = join(__dirname, '..', 'docs', 'bench');

/** The charts of this run, by file name (without `.svg`). */
const pending = new Map<string, TopLevelSpec>();

export function chart(name: string, spec: TopLevelSpec): void {
  pending.set(name, { $schema: SCHEMA, config: { font: 'sans-serif', background: 'white' }, ...spec } as TopLevelSpec);
}

/** Renders a vega-lite specification to an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // vega ships ESM only, with top-level await: loaded as ESM, at run time.
  const vega = await import('vega');
  const { compile } = await import('vega-lite');
  return new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' }).toSVG();
}

/** Writes this run's charts to docs/bench/ and returns their paths. */
export async function writeCharts(): Promise<string[]> {
  mkdirSync(DIR, { recursive: true });
  const written: string[] = [];
  for (const [name, spec] of pending) {
    const file = join(DIR, `${name}.svg`);
    writeFileSync(file, await renderSvg(spec));
    written.push(file);
  }
  return written;
}

/** One line with points per series: the shape of the throughput and cost charts. */
type Channel = Record<string, unknown> & { readonly field: string };
const lineChart = (name: string, title: string, values: object[], x: Channel, y: Channel, series: string) =>
  chart(name, {
    width: 520,
    height: 280,
    title,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { type: 'quantitative', ...x },
      y: { type: 'quantitative', ...y },
      color: { field: series, type: 'nominal', title: '', legend: { labelLimit: 300 } },
    },
  } as TopLevelSpec);

/** Answers per second against connections, one line per server. */
export const throughputChart = (points: { server: string; connections: number; rps: number }[]) =>
  lineChart(
    'refresh-throughput',
    'Refresh: answers per second against connections (HTTP, this machine)',
    points,
    { field: 'connections', scale: { type: 'log', base: 2 }, axis: { values: [1, 2, 4, 8] } },
    { field: 'rps', title: 'answers per second' },
    'server',
  );

/** p50 to p99 latency of each scenario, ours beside the peer's: a rule from p50 to p99, a dot at each end. */
export const latencyChart = (rows: { scenario: string; server: string; p50: number; p99: number }[]) =>
  chart('latency', {
    title: 'Latency under load: p50 (dot) to p99 (bar end), ms, log scale',
    data: { values: rows },
    facet: { row: { field: 'scenario', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left', labelLimit: 220 } } },
    spec: {
      width: 420,
      height: { step: 16 },
      encoding: { y: { field: 'server', type: 'nominal', title: null }, color: { field: 'server', type: 'nominal', legend: null } },
      layer: [
        {
          mark: { type: 'rule', strokeWidth: 3 },
          encoding: { x: { field: 'p50', type: 'quantitative', scale: { type: 'log' }, title: 'ms' }, x2: { field: 'p99' } },
        },
        { mark: { type: 'point', filled: true, size: 60 }, encoding: { x: { field: 'p50', type: 'quantitative' } } },
      ],
    },
  });

/** CPU per call, stacked by component, one bar per variant. */
export const cpuChart = (rows: { variant: string; component: string; ms: number }[], order: readonly string[]) =>
  chart('refresh-cpu', {
    width: 520,
    height: 120,
    title: 'Node CPU per refresh by component (ms, from a CPU profile)',
    data: { values: rows },
    mark: 'bar',
    encoding: {
      y: { field: 'variant', type: 'nominal', title: null, axis: { labelLimit: 300 } },
      x: { field: 'ms', type: 'quantitative', title: 'ms of CPU per refresh', stack: 'zero' },
      color: {
        field: 'component',
        type: 'nominal',
        title: '',
        scale: { domain: [...order], scheme: 'tableau10' },
        legend: { labelLimit: 300, orient: 'bottom', columns: 2 },
      },
      order: { field: 'rank', type: 'quantitative' },
    },
  });

/** Monthly cost against monthly active users, this service and Cognito's tiers. */
export const costChart = (points: { mau: number; who: string; dollars: number }[]) =>
  lineChart(
    'cost',
    'Monthly cost against monthly active users (USD, log scales)',
    points,
    { field: 'mau', scale: { type: 'log', domain: [20_000, 2_000_000] }, title: 'monthly active users' },
    { field: 'dollars', scale: { type: 'log' }, title: 'USD a month' },
    'who',
  );
