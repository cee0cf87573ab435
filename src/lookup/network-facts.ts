import type { Actor } from '../auth/roles';
import { DomainError } from '../common/errors/domain-error';
import type { ContainerEndpoint, ContainerInfo, NetworkInfo } from '../engine/engine.types';

// Networks Docker creates itself; their names are reserved even where they do not exist yet.
export const BUILTIN_NETWORK_NAMES: ReadonlySet<string> = new Set([
  'bridge',
  'host',
  'none',
  'ingress',
  'docker_gwbridge',
]);

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

// Docker's own networks other than the default bridge (docker_gwbridge, ingress) belong to the
// engine and its swarm: only an admin key attaches containers to them. (host and none are joined
// through networkMode; where they are named as a network they are refused for everyone.)
export function refuseBuiltInJoin(actor: Actor, network: NetworkInfo): void {
  if (!isBuiltIn(network) || network.name === 'bridge' || actor.role === 'admin') return;
  if (network.driver === 'host' || network.driver === 'null') return;
  throw new DomainError(
    'BUILTIN_NETWORK',
    `"${network.name}" is a network Docker creates itself; only an admin key may connect containers to it or disconnect them.`,
    { context: { network: network.name } },
  );
}

// A stopped container's endpoints carry no network id yet, only the network's name.
export function endpointOn(container: ContainerInfo, network: NetworkInfo): ContainerEndpoint | undefined {
  return container.endpoints.find((e) =>
    e.networkId ? e.networkId === network.id : e.networkName === network.name,
  );
}
