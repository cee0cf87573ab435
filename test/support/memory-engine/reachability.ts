import { cidrContainsIp, parseIp, type IpAddress } from '../../../src/common/net/ip';
import type { ContainerRecord, EndpointRecord, NetworkRecord } from './model';

// What a packet from a container does in the model: names resolve through Docker's embedded DNS
// (user-defined networks only), and traffic stays within the networks both ends are on.

export interface World {
  networks(): readonly NetworkRecord[];
  containers(): readonly ContainerRecord[];
  network(id: string): NetworkRecord | undefined;
  // Names the container answers to on one of its networks (name, aliases, short id).
  dnsNames(container: ContainerRecord, endpoint: EndpointRecord): string[];
  // Names the host's resolver knows (Docker forwards other names to it).
  externalHosts: Readonly<Record<string, string>>;
  // Whether containers on internal networks get a default route (engines before API 1.45).
  internalNetworksRouted: boolean;
}

// Where a container's network stack lives: its own, or another's (`container:<id>`).
export function namespaceOf(world: World, container: ContainerRecord): ContainerRecord {
  if (!container.networkMode.startsWith('container:')) return container;
  const id = container.networkMode.slice('container:'.length);
  return world.containers().find((c) => c.id === id) ?? container;
}

const activeEndpoints = (c: ContainerRecord) =>
  c.state === 'running' ? c.endpoints.filter((e) => e.active) : [];

const userDefined = (n: NetworkRecord | undefined): n is NetworkRecord => n !== undefined && !n.builtIn;

// The address `name` resolves to from the container, or null (busybox: "bad address").
export function resolve(world: World, source: ContainerRecord, name: string): string | null {
  if (parseIp(name)) return name;
  if (name === 'localhost') return '127.0.0.1';
  for (const endpoint of activeEndpoints(source)) {
    const network = world.network(endpoint.networkId);
    if (!userDefined(network)) continue;
    for (const other of world.containers()) {
      if (other.state !== 'running') continue;
      const theirs = other.endpoints.find((e) => e.networkId === network.id && e.active);
      if (theirs && world.dnsNames(other, theirs).includes(name))
        return theirs.active?.ipv4 ?? theirs.active?.ipv6 ?? null;
    }
  }
  return world.externalHosts[name] ?? null;
}

export type Route = 'reply' | 'lost' | 'unreachable';

const holds = (e: EndpointRecord, ip: IpAddress) =>
  [e.active?.ipv4, e.active?.ipv6].some((a) => {
    const parsed = a ? parseIp(a) : null;
    return parsed !== null && parsed.version === ip.version && parsed.value === ip.value;
  });

// Whether an echo request from the container to `address` is answered ('lost': it leaves but
// nothing answers; 'unreachable': the container has no route to it at all).
export function route(world: World, source: ContainerRecord, address: string): Route {
  const ip = parseIp(address);
  if (!ip) return 'unreachable';
  const loopback = ip.version === 4 ? ip.value >> 24n === 127n : ip.value === 1n;
  if (loopback) return 'reply';
  const held = (network: NetworkRecord) =>
    world
      .containers()
      .some(
        (c) => c.state === 'running' && c.endpoints.some((e) => e.networkId === network.id && holds(e, ip)),
      );
  const isGateway = (network: NetworkRecord) =>
    network.driver === 'bridge' &&
    network.pools.some((p) => p.gateway === ip.value && p.subnet.version === ip.version);

  if (source.networkMode === 'none') return 'unreachable';
  if (source.networkMode === 'host') {
    // The host reaches the containers on its local bridges.
    const bridges = world.networks().filter((n) => n.driver === 'bridge' && !n.internal);
    return bridges.some((n) => held(n) || isGateway(n)) ? 'reply' : 'lost';
  }
  const endpoints = activeEndpoints(source);
  if (endpoints.some((e) => holds(e, ip))) return 'reply';
  for (const endpoint of endpoints) {
    const network = world.network(endpoint.networkId);
    if (!network?.pools.some((p) => cidrContainsIp(p.subnet, ip))) continue;
    return held(network) || isGateway(network) ? 'reply' : 'lost';
  }
  // Off-link: the default route (Docker drops what it would carry to other networks, and the
  // model has no outside world). Internal networks give none from API 1.45 (Docker 26); Docker
  // 20.10 routes through their gateway, which drops everything.
  const routed = endpoints.some((e) => {
    const network = world.network(e.networkId);
    return (
      network !== undefined &&
      (!network.internal || world.internalNetworksRouted) &&
      network.pools.some((p) => p.subnet.version === ip.version)
    );
  });
  return routed ? 'lost' : 'unreachable';
}
