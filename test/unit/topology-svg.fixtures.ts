// Topology graphs for the SVG renderer's tests and benchmark: the README's walkthrough (the short
// tour's network demo with containerA and containerB, and the template tour's expectation), and
// generated estates of N containers on N/5 networks, some containers on 2 or 3 networks.
import type { TopologyEdge, TopologyGraph, TopologyNode } from '../../src/topology/topology.types';

const ENGINE = { id: 'ENGINE:ABCD', name: 'test-engine', version: '26.1.5' };
const AT = '2026-11-30T12:00:00.000Z';

// A 64-hex id from a seed: stable across runs.
export function hexId(seed: string): string {
  let h = 0x811c9dc5;
  let out = '';
  while (out.length < 64) {
    for (const ch of `${seed}/${out.length}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}

export function network(name: string, extra: Partial<TopologyNode> = {}): TopologyNode {
  return {
    id: `network:${hexId(`n-${name}`)}`,
    kind: 'network',
    name,
    driver: 'bridge',
    subnets: [],
    ...extra,
  };
}

export function container(name: string, extra: Partial<TopologyNode> = {}): TopologyNode {
  return {
    id: `container:${hexId(`c-${name}`)}`,
    kind: 'container',
    name,
    state: 'running',
    image: 'switchyard/busybox:latest',
    ...extra,
  };
}

export function endpoint(c: TopologyNode, n: TopologyNode, extra: Partial<TopologyEdge> = {}): TopologyEdge {
  return {
    id: `${c.id}|${n.id}`,
    from: c.id,
    to: n.id,
    ipv4Address: null,
    ipv6Address: null,
    macAddress: null,
    aliases: [],
    ...extra,
  };
}

export function walkthrough(withTemplate = true): TopologyGraph {
  const demo = network('demo', { subnets: ['10.50.0.0/24'], template: withTemplate ? 'tour' : undefined });
  const bridge = network('bridge', { subnets: ['172.17.0.0/16'], builtIn: true });
  const host = network('host', { driver: 'host', builtIn: true });
  const none = network('none', { driver: 'null', builtIn: true });
  const a = container('containerA');
  const b = container('containerB');
  const graph: TopologyGraph = {
    engine: ENGINE,
    nodes: [demo, bridge, host, none, a, b],
    edges: [
      endpoint(a, demo, {
        ipv4Address: '10.50.0.10',
        macAddress: '02:aa:bb:cc:dd:0a',
        aliases: ['a', 'containerA'],
      }),
      endpoint(b, demo, {
        ipv4Address: '10.50.0.2',
        macAddress: '02:42:0a:32:00:02',
        aliases: ['containerB'],
      }),
    ],
    generatedAt: AT,
  };
  if (withTemplate) {
    graph.template = 'tour';
    graph.expectations = [
      {
        fromName: 'containerA',
        toName: 'containerB',
        from: a.id,
        to: b.id,
        reachable: true,
        passed: true,
        diagnosis: null,
        deploymentId: '7f1c2a9e-0000-4000-8000-000000000001',
        checkedAt: AT,
      },
    ];
  }
  return graph;
}

// `containers` containers on `containers / 5` networks: container i is on network i mod N; every
// 4th also on the next network, every 20th (from the 1st) on a third as well. Every 7th is stopped (no address),
// every 13th paused. Networks 10.60+k.0.0/24.
export function estate(
  containers: number,
  networksCount = Math.max(1, Math.round(containers / 5)),
): TopologyGraph {
  const networks = Array.from({ length: networksCount }, (_, k) =>
    network(`estate-net-${String(k).padStart(2, '0')}`, {
      subnets: [`10.${60 + (k % 100)}.${Math.floor(k / 100)}.0/24`],
    }),
  );
  const nodes: TopologyNode[] = [...networks];
  const edges: TopologyEdge[] = [];
  for (let i = 0; i < containers; i++) {
    const stopped = i % 7 === 3;
    const c = container(`estate-app-${String(i).padStart(3, '0')}`, {
      state: stopped ? 'exited' : i % 13 === 5 ? 'paused' : 'running',
      image: i % 3 === 0 ? 'nginx:1.27-alpine' : 'switchyard/busybox:latest',
    });
    nodes.push(c);
    const on = [i % networksCount];
    if (i % 4 === 1 && networksCount > 1) on.push((i + 1) % networksCount);
    if (i % 20 === 1 && networksCount > 2) on.push((i + 2) % networksCount);
    for (const k of on) {
      const n = networks[k];
      edges.push(
        endpoint(c, n, {
          ipv4Address: stopped ? null : `10.${60 + (k % 100)}.${Math.floor(k / 100)}.${10 + i}`,
          macAddress: stopped
            ? null
            : `02:42:0a:00:${(k % 256).toString(16).padStart(2, '0')}:${(i % 256).toString(16).padStart(2, '0')}`,
          aliases: i % 5 === 0 ? [`app${i}`] : [],
        }),
      );
    }
  }
  return { engine: ENGINE, nodes, edges, generatedAt: AT };
}
