// Random valid template documents for the planner's property tests: networks with and without
// subnets, gateways, IPv6, options and labels; containers on some of them (in random order) with
// fixed addresses, MACs in either case, duplicate aliases, or in a network mode; defaults spelled
// out or left out at random.

import fc from 'fast-check';
import type {
  TemplateContainer,
  TemplateDocument,
  TemplateNetwork,
} from '../../../src/templates/template.types';

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const labels = fc.dictionary(fc.constantFrom('team', 'env', 'com.example.tier'), fc.constantFrom('a', 'b'), {
  maxKeys: 2,
});

const networkShape = fc.record({
  driver: maybe(fc.constant('bridge')),
  internal: maybe(fc.boolean()),
  attachable: maybe(fc.boolean()),
  enableIPv6: fc.boolean(),
  subnet: fc.boolean(),
  gateway: fc.boolean(),
  v6subnet: fc.boolean(),
  spellOut: fc.boolean(),
  mtu: fc.boolean(),
  labels: maybe(labels),
});

const endpointShape = fc.record({
  ipv4: fc.boolean(),
  ipv6: fc.boolean(),
  mac: fc.boolean(),
  upper: fc.boolean(),
  aliases: fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }),
});

const containerShape = fc.record({
  image: fc.constantFrom('busybox:test', 'busybox:other'),
  command: maybe(fc.constantFrom(['sleep', '1000'], ['sh', '-c', 'sleep 1000'])),
  entrypoint: maybe(fc.constantFrom(['/bin/sh', '-c'], ['tini', '--'])),
  env: maybe(fc.dictionary(fc.constantFrom('A', 'B'), fc.constantFrom('1', '2'), { maxKeys: 2 })),
  labels: maybe(labels),
  hostname: maybe(fc.constantFrom('alpha', 'beta')),
  restartPolicy: maybe(
    fc.constantFrom({ name: 'no' }, { name: 'always' }, { name: 'on-failure', maximumRetryCount: 3 }),
  ),
  networks: fc.uniqueArray(fc.tuple(fc.nat(5), endpointShape), { maxLength: 3, selector: ([n]) => n }),
  networkMode: maybe(fc.constantFrom('bridge' as const, 'host' as const, 'none' as const)),
  start: maybe(fc.boolean()),
});

export const documentArb: fc.Arbitrary<TemplateDocument> = fc
  .record({
    labels: maybe(labels),
    networks: fc.array(networkShape, { maxLength: 4 }),
    containers: fc.array(containerShape, { maxLength: 6 }),
  })
  .map(({ labels: templateLabels, networks, containers }) => {
    const doc: TemplateDocument = { name: 'prop', networks: {}, containers: {} };
    if (templateLabels) doc.labels = templateLabels;
    const declared = networks.map((shape, i) => {
      const network: TemplateNetwork = {};
      if (shape.driver) network.driver = shape.driver;
      if (shape.internal !== undefined) network.internal = shape.internal;
      if (shape.attachable !== undefined) network.attachable = shape.attachable;
      if (shape.enableIPv6 || shape.spellOut) network.enableIPv6 = shape.enableIPv6;
      const config: { subnet?: string; gateway?: string }[] = [];
      if (shape.subnet)
        config.push({
          subnet: `10.${100 + i}.0.0/24`,
          ...(shape.gateway ? { gateway: `10.${100 + i}.0.1` } : {}),
        });
      const v6 = shape.enableIPv6 && shape.v6subnet;
      // Two spellings of one subnet: they must hash alike.
      if (v6) config.push({ subnet: shape.spellOut ? `FD00:${i + 1}:0:0::/64` : `fd00:${i + 1}::/64` });
      if (config.length || shape.spellOut)
        network.ipam = { config, ...(shape.spellOut ? { driver: 'default', options: {} } : {}) };
      if (shape.mtu) network.options = { 'com.docker.network.driver.mtu': '1400' };
      if (shape.labels) network.labels = shape.labels;
      doc.networks![`net${i}`] = network;
      return { name: `net${i}`, v4: shape.subnet ? i : null, v6: v6 ? i : null };
    });
    containers.forEach((shape, j) => {
      const container: TemplateContainer = { image: shape.image };
      for (const key of [
        'command',
        'entrypoint',
        'env',
        'labels',
        'hostname',
        'restartPolicy',
        'start',
      ] as const) {
        if (shape[key] !== undefined) Object.assign(container, { [key]: shape[key] });
      }
      const picks = declared.length ? shape.networks.filter(([n]) => n < declared.length) : [];
      if (picks.length) {
        container.networks = {};
        for (const [n, e] of picks) {
          const network = declared[n];
          const mac = `02:00:00:00:0${n}:${(16 + j).toString(16)}`;
          container.networks[network.name] = {
            ...(e.ipv4 && network.v4 !== null ? { ipv4Address: `10.${100 + network.v4}.0.${10 + j}` } : {}),
            ...(e.ipv6 && network.v6 !== null
              ? {
                  ipv6Address: e.upper
                    ? `FD00:${network.v6 + 1}:0:0:0:0:0:${(10 + j).toString(16)}`
                    : `fd00:${network.v6 + 1}::${(10 + j).toString(16)}`,
                }
              : {}),
            ...(e.mac ? { macAddress: e.upper ? mac.toUpperCase() : mac } : {}),
            ...(e.aliases.length ? { aliases: e.aliases } : {}),
          };
        }
      } else if (shape.networkMode) {
        container.networkMode = shape.networkMode;
      }
      doc.containers![`c${j}`] = container;
    });
    return doc;
  });

// The same document with every map's keys in reverse order, but each container's networks: their
// order says which one the container is created on.
export function reorderKeys(value: unknown, path: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v, i) => reorderKeys(v, [...path, String(i)]));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const endpoints = path.length === 3 && path[0] === 'containers' && path[2] === 'networks';
  if (!endpoints) entries.reverse();
  return Object.fromEntries(entries.map(([k, v]) => [k, reorderKeys(v, [...path, k])]));
}
