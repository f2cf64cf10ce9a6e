/**
 * Where the CPU of an operation goes, by component: a V8 CPU profile (node:inspector, sampled
 * every 100 us) of many calls in this process, each sample's self time put in the component
 * its script belongs to (a native function: its caller's). The shares are then scaled to the CPU per call measured without the
 * profiler, which slows what it samples.
 */
import { Session } from 'node:inspector/promises';

/** The components, in the order the tables and charts list them. */
export const COMPONENTS = [
  'our code',
  'AWS SDK (middleware, client)',
  'marshalling (util-dynamodb)',
  'SigV4 signing (aws4)',
  'jose',
  'crypto (RSA signature, hashes)',
  'node:http, sockets, streams',
  'garbage collection',
  'V8 and native',
  'other',
] as const;
export type Component = (typeof COMPONENTS)[number];

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  children?: number[];
}

export function componentOf(url: string, functionName: string): Component {
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)' || url === '') return 'V8 and native';
  if (url.includes('node_modules/@aws-sdk/util-dynamodb')) return 'marshalling (util-dynamodb)';
  if (/node_modules\/(@smithy|@aws-sdk|@aws-crypto)\//.test(url)) return 'AWS SDK (middleware, client)';
  if (url.includes('node_modules/aws4/')) return 'SigV4 signing (aws4)';
  if (url.includes('node_modules/jose/')) return 'jose';
  if (url.startsWith('node:internal/crypto') || url === 'node:crypto') return 'crypto (RSA signature, hashes)';
  if (url.startsWith('node:')) return 'node:http, sockets, streams';
  if (/\/functions\//.test(url) && !url.includes('node_modules')) return 'our code';
  return 'other';
}

/**
 * Profiles `calls` sequential calls of `fn` and returns each component's share of the busy CPU
 * (idle time left out), from 0 to 1.
 */
export async function profileShares(fn: () => Promise<unknown>, calls: number): Promise<Record<Component, number>> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    for (let i = 0; i < calls; i++) await fn();
    const { profile } = (await session.post('Profiler.stop')) as unknown as {
      profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    };
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, ProfileNode>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
    // A native function (no script: the RSA signature, a socket write) counts where it was called from.
    // The profiler's own work (node:inspector) is left out.
    const componentOfNode = (node: ProfileNode): Component | undefined => {
      const { functionName } = node.callFrame;
      let at: ProfileNode | undefined = node;
      while (at && at.callFrame.url === '' && !functionName.startsWith('(')) at = parent.get(at.id);
      const url = at?.callFrame.url ?? '';
      return url.startsWith('node:inspector') ? undefined : componentOf(url, functionName);
    };
    const self = Object.fromEntries(COMPONENTS.map((c) => [c, 0])) as Record<Component, number>;
    let busy = 0;
    profile.samples.forEach((id, i) => {
      const node = byId.get(id);
      const dt = profile.timeDeltas[i] ?? 0;
      const component = node && node.callFrame.functionName !== '(idle)' ? componentOfNode(node) : undefined;
      if (!component) return;
      self[component] += dt;
      busy += dt;
    });
    for (const c of COMPONENTS) self[c] = busy ? self[c] / busy : 0;
    return self;
  } finally {
    await session.post('Profiler.disable').catch(() => undefined);
    session.disconnect();
  }
}

/** CPU per call in ms: process.cpuUsage over `calls` sequential calls. */
export async function cpuPerCallMs(fn: () => Promise<unknown>, calls: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i++) await fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / calls;
}
