import { Injectable } from '@nestjs/common';
import type { ContainerSummary, NetworkInfo } from '../engine/engine.types';
import { isBuiltIn } from '../lookup/network-facts';
import { ResourceLookup } from '../lookup/resource-lookup';
import type { NetworkContainerModel, NetworkModel } from './models/network.model';

@Injectable()
export class NetworkPresenter {
  constructor(private readonly lookup: ResourceLookup) {}

  // Attached containers come from the running containers' own view (one list call, made by the
  // caller alongside its network call) plus an inspect of each attached container for its
  // aliases, which list answers leave out.
  async present(networks: NetworkInfo[], running: ContainerSummary[]): Promise<NetworkModel[]> {
    if (networks.length === 0) return [];
    const ids = new Set(networks.map((n) => n.id));
    const attached = await this.lookup.inspectMany(
      running.filter((c) => c.endpoints.some((e) => ids.has(e.networkId))),
    );
    const byNetwork = new Map<string, NetworkContainerModel[]>();
    for (const { info } of attached) {
      for (const endpoint of info.endpoints) {
        if (!ids.has(endpoint.networkId)) continue;
        const list = byNetwork.get(endpoint.networkId) ?? [];
        list.push({
          id: info.id,
          name: info.name,
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
}
