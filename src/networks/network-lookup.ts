import { Inject, Injectable } from '@nestjs/common';
import { mapLimit } from '../common/concurrency/map-limit';
import { DomainError } from '../common/errors/domain-error';
import { resolveReference } from '../common/reference/resolve-reference';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import { EngineRejection } from '../engine/engine.errors';
import type { ContainerEndpoint, ContainerInfo, ContainerSummary, NetworkInfo } from '../engine/engine.types';
import type { NetworkContainerModel, NetworkModel } from './models/network.model';
import { BUILTIN_NETWORK_NAMES } from './network-spec';

// How many containers we inspect at once to read their aliases.
const INSPECT_CONCURRENCY = 8;

// A stopped container's endpoints carry no network id yet, only the network's name.
export function endpointOn(container: ContainerInfo, network: NetworkInfo): ContainerEndpoint | undefined {
  return container.endpoints.find((e) =>
    e.networkId ? e.networkId === network.id : e.networkName === network.name,
  );
}

// Switchyard never creates networks with these names, so a name match is Docker's own network.
export function isBuiltIn(network: Pick<NetworkInfo, 'name' | 'ingress'>): boolean {
  return network.ingress || BUILTIN_NETWORK_NAMES.has(network.name);
}

export function refuseBuiltIn(network: NetworkInfo, verb: string): void {
  if (isBuiltIn(network)) {
    throw new DomainError(
      'BUILTIN_NETWORK',
      `"${network.name}" is a network Docker creates itself; it cannot be ${verb}.`,
      {
        context: { network: network.name },
      },
    );
  }
}

// Finds networks and containers by reference, and presents networks with their containers.
@Injectable()
export class NetworkLookup {
  constructor(@Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine) {}

  async resolve(ref: string): Promise<NetworkInfo> {
    const networks = await this.engine.listNetworks();
    return resolveReference(
      ref,
      networks.map((n) => ({ ...n, names: [n.name] })),
      'network',
      'NETWORK_NOT_FOUND',
    );
  }

  async resolveContainer(ref: string): Promise<ContainerInfo> {
    const containers = await this.engine.listContainers({ all: true });
    const match = resolveReference(ref, containers, 'container', 'CONTAINER_NOT_FOUND');
    try {
      return await this.engine.inspectContainer(match.id);
    } catch (error) {
      if (error instanceof EngineRejection && error.reason === 'NOT_FOUND') {
        throw new DomainError('CONTAINER_NOT_FOUND', `Container "${ref}" was removed while the request ran.`);
      }
      throw error;
    }
  }

  // Attached containers come from the running containers' own view (one list call, made by the
  // caller alongside its network call) plus an inspect of each attached container for its
  // aliases, which list answers leave out.
  async present(networks: NetworkInfo[], running: ContainerSummary[]): Promise<NetworkModel[]> {
    if (networks.length === 0) return [];
    const ids = new Set(networks.map((n) => n.id));
    const attached = running.filter((c) => c.endpoints.some((e) => ids.has(e.networkId)));
    const inspected = await mapLimit(attached, INSPECT_CONCURRENCY, (c) => this.inspectOrSummary(c));
    const byNetwork = new Map<string, NetworkContainerModel[]>();
    for (const container of inspected) {
      for (const endpoint of container.endpoints) {
        if (!ids.has(endpoint.networkId)) continue;
        const list = byNetwork.get(endpoint.networkId) ?? [];
        list.push({
          id: container.id,
          name: container.names[0] ?? '',
          ipv4Address: endpoint.ipv4Address,
          ipv6Address: endpoint.ipv6Address,
          macAddress: endpoint.macAddress,
          aliases: endpoint.aliases,
        });
        byNetwork.set(endpoint.networkId, list);
      }
    }
    return networks.map((n) => ({
      id: n.id,
      name: n.name,
      driver: n.driver,
      scope: n.scope,
      internal: n.internal,
      attachable: n.attachable,
      ingress: n.ingress,
      enableIPv6: n.enableIPv6,
      ipam: {
        driver: n.ipam.driver,
        config: n.ipam.config.map((c) => ({
          subnet: c.subnet ?? null,
          gateway: c.gateway ?? null,
          ipRange: c.ipRange ?? null,
          auxAddresses: c.auxAddresses ?? {},
        })),
        options: n.ipam.options,
      },
      options: n.options,
      labels: n.labels,
      createdAt: n.createdAt ? new Date(n.createdAt) : null,
      builtIn: isBuiltIn(n),
      containers: (byNetwork.get(n.id) ?? []).sort((a, b) => a.name.localeCompare(b.name)),
    }));
  }

  private async inspectOrSummary(container: ContainerSummary): Promise<ContainerSummary> {
    try {
      return await this.engine.inspectContainer(container.id);
    } catch (error) {
      // Removed between the list and the inspect: report what the list said.
      if (error instanceof EngineRejection && error.reason === 'NOT_FOUND') return container;
      throw error;
    }
  }
}
