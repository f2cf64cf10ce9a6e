import { renderSvg } from '../../bench/charts';
import { INVARIANTS, type Invariant } from './invariants';
import type { SoakFigures } from './figures';

/** The throughput and 503s per second, over the fault windows: an SVG, rendered by vega-lite in Node. */
export async function soakChart(f: SoakFigures): Promise<string> {
  const series = f.timeline.flatMap((t) => [
    { second: t.second, series: 'answered per second', value: t.answered },
    { second: t.second, series: '503 per second', value: t.unavailable },
  ]);
  return renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 760,
    height: 260,
    title: `Soak: ${f.seconds} s, ${f.users} virtual users, faults and ${plural(f.restarts.length, 'restart')} of DynamoDB Local`,
    layer: [
      {
        data: { values: f.faultWindows },
        mark: { type: 'rect', opacity: 0.3 },
        encoding: {
          x: { field: 'start', type: 'quantitative', title: 'seconds' },
          x2: { field: 'end' },
          color: { field: 'kind', type: 'nominal', title: 'fault window', scale: { scheme: 'set2' } },
        },
      },
      {
        data: { values: series },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'second', type: 'quantitative' },
          y: { field: 'value', type: 'quantitative', title: 'requests per second' },
          stroke: {
            field: 'series',
            type: 'nominal',
            title: '',
            scale: { domain: ['answered per second', '503 per second'], range: ['#1f4e99', '#d62728'] },
          },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
    config: { font: 'sans-serif', background: 'white' },
  } as never);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const ms = (n: number) => `${Math.round(n)} ms`;
const s1 = (n: number) => (Number.isNaN(n) ? 'did not recover' : `${n.toFixed(1)} s`);

/** RELIABILITY.md: the method, the faults, and the figures of the last run. */
export function reliabilityMarkdown(f: SoakFigures, command: string, chartPath: string, when: string): string {
  const total = Object.values(f.violations).reduce((a, b) => a + b, 0);
  const ops = Object.entries(f.byOperation)
    .sort(([, a], [, b]) => b - a)
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');
  return `# Reliability

<!-- Written by \`npm run soak\` (test/soak/run.ts): do not edit by hand. -->

Each path of the service works once in the test suite. This page is about the other promise:
under concurrent load, with DynamoDB slow, throttling, dropping connections, losing answers and
crashing, **no refresh token is ever both spent and unreplaced, no session family ever has two
live heads, no successful login or refresh goes unaudited, and the service recovers by itself.**

## Method

\`${command}\` starts DynamoDB Local, a fault-injecting proxy in front of it
(\`test/faults/fault-proxy.ts\`), and \`npm start\` with the proxy as its DynamoDB endpoint
(\`AUTH_LOCAL_DYNAMODB\`); nothing in \`functions/\` knows about the proxy. Virtual users
(\`test/soak/virtual-user.ts\`) then, until the time is up:

- log in, refresh (some twice at once with one token, some again with the same token within the
  grace window, as a client whose answer was lost), call protected routes, change their
  password, log out and log out everywhere;
- replay their own rotated tokens once they are older than the grace window, as a thief would;
- retry a \`503\` after its \`Retry-After\`, within the grace window, and otherwise give the family up.

Meanwhile the schedule (\`test/soak/soak.ts\`) injects, after a quiet tenth and before a quiet
last tenth, 3-second windows of each fault in turn (a lost answer after DynamoDB applied the
write, 3.5 s of added latency past the SDK's 3 s timeout, throttling, connection resets,
\`ProvisionedThroughputExceededException\`, 500s), kills DynamoDB Local with SIGKILL and
restarts it on the same data directory (${plural(f.restarts.length, 'time')}), and rotates the signing key
once with the real rotation logic on a fast schedule (published, then signing 6 s later).

At the end, the invariant checker (\`test/soak/invariants.ts\`) reads the tables directly and
compares them with what the clients saw:

${(Object.keys(INVARIANTS) as Invariant[]).map((k) => `- **${k}**: ${INVARIANTS[k]}.`).join('\n')}

The test suite runs a 30-second version with every fault and one restart, and checks the checker:
a session it corrupts on purpose must be reported (\`test/e2e/soak.test.ts\`).

## The last run

${when}, on the development machine (2 cores, shared): \`${command}\`.

| figure | value |
|---|---|
| duration, virtual users | ${f.seconds} s, ${f.users} |
| requests | ${f.requests} (${f.perSecond} per second): ${ops} |
| faults injected (requests hit) | ${(Object.entries(f.faults) as [string, number][])
    .filter(([k]) => k !== 'forwarded')
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')}, in ${f.windows} windows |
| DynamoDB Local restarts | ${f.restarts.map((r, i) => `#${i + 1}: down ${s1(r.downSeconds)}, service answering ${s1(r.recoverySeconds)} after DynamoDB was back`).join('; ')} |
| answered 503 | ${f.unavailable}; other 5xx ${f.otherServerErrors}; no answer ${f.noAnswer} |
| stolen tokens replayed | ${f.replays} |
| latency without faults | p50 ${ms(f.latency.calm.p50)}, p99 ${ms(f.latency.calm.p99)} (${f.latency.calm.n} requests) |
| latency in fault windows | p50 ${ms(f.latency.faulted.p50)}, p99 ${ms(f.latency.faulted.p99)} (${f.latency.faulted.n} requests) |
| key rotation | ${f.rotation.promoted ? 'published and promoted' : 'NOT promoted'}; access tokens by key: ${Object.values(f.rotation.tokensByKey).join(' and ')} |
| **invariant violations** | **${total}**${
    total
      ? `: ${Object.entries(f.violations)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}`
      : ''
  } |

![Throughput and 503s per second over the fault windows](${chartPath})

The "service answering" time is from DynamoDB Local answering again to the first successful
login, refresh, logout or password change after it: no restart of the service, no operator.
Latency "in fault windows" counts every request that overlapped one; the p99 there is the SDK's
3-second request timeout and its retries at work.

## What a client sees in an outage

\`503 temporarily_unavailable\` with \`Retry-After: 1\`, from the functions and from the
authorizer (which fails closed), never a 500. Nothing is consumed without its successor: a
refresh that answered 503 either changed nothing, or rotated and left its successor for the
grace window, where the client's retry finds it. ARCHITECTURE.md ("When DynamoDB fails") has
the SDK's timeouts and retries, and which counters fail open or closed.
`;
}
