import type { ContainerSummary, NetworkInfo } from '../engine/engine.types';

// The containers, in any state, that refer to a network: by an endpoint in their network
// settings or by their network mode, each by the network's id or its name. The engine counts
// only running endpoints, but a stopped or created container keeps its settings and cannot start
// once its network is gone: for remove and prune, a network any container refers to is in use.
export function networkUsers(
  network: Pick<NetworkInfo, 'id' | 'name'>,
  containers: readonly ContainerSummary[],
): ContainerSummary[] {
  const refersTo = (ref: string) => ref !== '' && (ref === network.id || ref === network.name);
  return containers.filter(
    (c) =>
      refersTo(c.networkMode) || c.endpoints.some((e) => refersTo(e.networkId) || refersTo(e.networkName)),
  );
}

// The first name of a container (the engine's list answers several), or its short id.
export function containerLabel(c: ContainerSummary): string {
  return c.names[0] ?? c.id.slice(0, 12);
}
