import type { ResolvedContainer } from '../lookup/resource-lookup';
import type { ContainerModel } from './models/container.model';

const date = (value: string | null) => (value ? new Date(value) : null);

export function presentContainer({ summary, info }: ResolvedContainer): ContainerModel {
  return {
    id: info.id,
    name: info.name,
    image: info.image,
    command: info.command,
    state: info.state,
    status: summary.status || info.state,
    createdAt: date(info.createdAt),
    startedAt: date(info.startedAt),
    finishedAt: date(info.finishedAt),
    exitCode: info.exitCode,
    labels: info.labels,
    hostname: info.hostname,
    // A container created on a network by id reports the id; show the network's name.
    networkMode:
      info.endpoints.find((e) => e.networkId && e.networkId === info.networkMode)?.networkName ??
      info.networkMode,
    restartPolicy: info.restartPolicy,
    networks: info.endpoints
      .map((e) => ({
        network: e.networkName,
        networkId: e.networkId || null,
        // A stopped container keeps the addresses it asked for; the engine assigns them on start.
        ipv4Address: e.ipv4Address ?? e.requestedIpv4Address,
        ipv6Address: e.ipv6Address ?? e.requestedIpv6Address,
        macAddress: e.macAddress,
        aliases: e.aliases,
      }))
      .sort((a, b) => a.network.localeCompare(b.network)),
  };
}
