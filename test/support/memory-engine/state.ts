import { randomBytes } from 'node:crypto';
import type { HostNetwork } from '../../../src/common/net/host-interfaces';
import { cidrContainsIp, parseIp } from '../../../src/common/net/ip';
import { compareApiVersions } from '../../../src/engine/api-version';
import type { ContainerInfo, ContainerSummary, NetworkInfo } from '../../../src/engine/engine.types';
import { allocate, macOf } from './ipam';
import {
  containerEndpoints,
  containerInfo,
  containerSummary,
  type ContainerRecord,
  type EndpointRecord,
  type MemoryImage,
  networkInfo,
  type NetworkRecord,
} from './model';
import type { World } from './reachability';
import { noSuchContainer, noSuchNetwork, refuse } from './refusals';

// The records of the in-memory engine and the rules that keep them consistent: references,
// endpoints coming alive on start and going away on stop, and the port's views of them.
export class EngineState implements World {
  readonly networkRecords = new Map<string, NetworkRecord>();
  readonly containerRecords = new Map<string, ContainerRecord>();
  private readonly presetIds: string[] = [];
  private lastMs = 0;

  constructor(
    readonly apiVersion: () => string,
    readonly images: MemoryImage[],
    readonly host: HostNetwork,
    readonly externalHosts: Record<string, string>,
  ) {}

  // --- World --------------------------------------------------------------------------------

  networks(): NetworkRecord[] {
    return [...this.networkRecords.values()];
  }

  containers(): ContainerRecord[] {
    return [...this.containerRecords.values()];
  }

  network(id: string): NetworkRecord | undefined {
    return this.networkRecords.get(id);
  }

  get internalNetworksRouted(): boolean {
    return compareApiVersions(this.apiVersion(), '1.45') < 0;
  }

  dnsNames(container: ContainerRecord, endpoint: EndpointRecord): string[] {
    return [container.name, ...endpoint.userAliases, container.id.slice(0, 12)];
  }

  // --- identity and time --------------------------------------------------------------------

  newId(): string {
    return this.presetIds.shift() ?? randomBytes(32).toString('hex');
  }

  presetNextIds(ids: string[]): void {
    this.presetIds.push(...ids);
  }

  // Strictly increasing, so that creation order is always visible in the timestamps.
  now(): string {
    this.lastMs = Math.max(Date.now(), this.lastMs + 1);
    return new Date(this.lastMs).toISOString();
  }

  // --- references ---------------------------------------------------------------------------

  // A network by full id, name or id prefix, as the engine resolves it.
  findNetwork(ref: string): NetworkRecord {
    const all = this.networks();
    const byPrefix = all.filter((n) => n.id.startsWith(ref));
    const found =
      all.find((n) => n.id === ref) ??
      all.find((n) => n.name === ref) ??
      (byPrefix.length === 1 ? byPrefix[0] : undefined);
    if (!found) throw noSuchNetwork(ref);
    return found;
  }

  findContainer(ref: string): ContainerRecord {
    const all = this.containers();
    const byPrefix = all.filter((c) => c.id.startsWith(ref));
    const found =
      all.find((c) => c.id === ref) ??
      all.find((c) => c.name === ref.replace(/^\//, '')) ??
      (byPrefix.length === 1 ? byPrefix[0] : undefined);
    if (!found) throw noSuchContainer(ref);
    return found;
  }

  findImage(ref: string): MemoryImage | undefined {
    const lastSegment = ref.slice(ref.lastIndexOf('/') + 1);
    const tagged = lastSegment.includes(':') || ref.includes('@') ? ref : `${ref}:latest`;
    return this.images.find((i) => i.ref === tagged || i.id === ref || i.id === `sha256:${ref}`);
  }

  // --- views --------------------------------------------------------------------------------

  private aliasesOf = (container: ContainerRecord, endpoint: EndpointRecord): string[] => {
    const network = this.network(endpoint.networkId);
    if (!network || network.builtIn) return [...endpoint.userAliases];
    // Before API 1.45 the engine adds the short id to the aliases of an endpoint once it exists.
    const shortId =
      endpoint.everActive && compareApiVersions(this.apiVersion(), '1.45') < 0
        ? [container.id.slice(0, 12)]
        : [];
    return [...endpoint.userAliases, ...shortId];
  };

  summaryOf(c: ContainerRecord): ContainerSummary {
    return containerSummary(
      c,
      containerEndpoints(c, (id) => this.network(id), this.aliasesOf),
    );
  }

  infoOf(c: ContainerRecord): ContainerInfo {
    return containerInfo(
      c,
      containerEndpoints(c, (id) => this.network(id), this.aliasesOf),
    );
  }

  networkInfoOf(n: NetworkRecord, inspected: boolean): NetworkInfo {
    if (!inspected) return networkInfo(n);
    const endpoints = this.containers().flatMap((c) => {
      const e = c.endpoints.find((x) => x.networkId === n.id && x.active);
      return e?.active
        ? [
            {
              containerId: c.id,
              containerName: c.name,
              endpointId: e.active.endpointId,
              ipv4Address: e.active.ipv4,
              ipv6Address: e.active.ipv6,
              macAddress: e.active.mac,
            },
          ]
        : [];
    });
    return networkInfo(n, endpoints);
  }

  // --- endpoints ----------------------------------------------------------------------------

  private usedAddresses(network: NetworkRecord): Set<string> {
    const used = new Set<string>();
    for (const c of this.containers()) {
      for (const e of c.endpoints) {
        if (e.networkId !== network.id || !e.active) continue;
        if (e.active.ipv4) used.add(e.active.ipv4);
        if (e.active.ipv6) used.add(e.active.ipv6);
      }
    }
    return used;
  }

  // Gives the endpoint its addresses and MAC on the network (on start, or on connect to a
  // running container). Host and none endpoints get no address.
  activate(container: ContainerRecord, endpoint: EndpointRecord): void {
    const network = this.network(endpoint.networkId);
    if (!network) throw noSuchNetwork(endpoint.networkId);
    const addressed = network.driver !== 'host' && network.driver !== 'null';
    const used = this.usedAddresses(network);
    const ipv4 = addressed ? allocate(network, 4, used, endpoint.requestedIpv4) : null;
    const ipv6 = addressed && network.enableIPv6 ? allocate(network, 6, used, endpoint.requestedIpv6) : null;
    endpoint.active = {
      endpointId: randomBytes(32).toString('hex'),
      ipv4,
      ipv6,
      mac: addressed ? (endpoint.requestedMac ?? macOf(ipv4)) : null,
    };
    endpoint.everActive = true;
  }

  // Starts every endpoint of the container, or none of them.
  activateAll(container: ContainerRecord): void {
    try {
      for (const endpoint of container.endpoints) this.activate(container, endpoint);
    } catch (error) {
      for (const endpoint of container.endpoints) endpoint.active = null;
      throw error;
    }
  }

  deactivateAll(container: ContainerRecord): void {
    for (const endpoint of container.endpoints) endpoint.active = null;
  }

  // The engine's checks of endpoint settings, at create and connect.
  checkEndpoint(
    network: NetworkRecord,
    settings: { ipv4?: string; ipv6?: string; aliases?: string[] },
  ): void {
    const defaultBridge = network.builtIn && network.name === 'bridge';
    if (defaultBridge && settings.aliases?.length)
      throw refuse(
        400,
        'invalid endpoint settings:\nnetwork-scoped alias is supported only for containers in user defined networks',
      );
    if (settings.ipv4 || settings.ipv6) {
      if (defaultBridge)
        throw refuse(
          400,
          'invalid endpoint settings:\nuser specified IP address is supported on user defined networks only',
        );
      if (!network.userSubnets)
        throw refuse(
          400,
          'invalid endpoint settings:\nuser specified IP address is supported only when connecting to networks with user configured subnets',
        );
      // Inside a subnet (whether it is free is known only when the endpoint comes alive).
      for (const address of [settings.ipv4, settings.ipv6]) {
        const ip = address ? parseIp(address) : null;
        if (address && !network.pools.some((p) => ip && cidrContainsIp(p.subnet, ip)))
          throw refuse(
            400,
            `invalid endpoint settings:\nno configured subnet or ip-range contain the IP address ${address}`,
          );
      }
    }
  }
}
