import { DomainError } from '../common/errors/domain-error';
import type { HostNetwork } from '../common/net/host-interfaces';
import { EngineRejection } from '../engine/engine.errors';
import type { ContainerInfo, ContainerSummary, NetworkInfo, NetworkSpec } from '../engine/engine.types';
import { containerLabel } from './network-users';
import type { ConnectContainerInput } from './dto/connect-container.input';

// The engine's refusals, told in our words: one place maps each EngineRejection reason of a
// network operation to a domain error with a stable code.

// `existingId` is null when the network is outside the caller's scope: its name is the caller's
// own choice, but nothing else of it is told.
export function nameTaken(name: string, existingId: string | null): DomainError {
  return new DomainError(
    'NETWORK_NAME_TAKEN',
    existingId
      ? `A network named "${name}" already exists (id ${existingId.slice(0, 12)}); choose another name.`
      : `A network named "${name}" already exists; choose another name.`,
    {
      context: existingId ? { name, existingId } : { name },
    },
  );
}

// `canSee` tells which attached containers the caller may be told the name of; the others are
// only counted.
export function inUse(
  network: NetworkInfo,
  canSee: (containerId: string) => boolean = () => true,
): DomainError {
  const endpoints = network.endpoints ?? [];
  const shown = endpoints.filter((e) => canSee(e.containerId));
  const hidden = endpoints.length - shown.length;
  const containers = shown.map((e) => e.containerName || e.containerId.slice(0, 12));
  const parts = [
    ...(containers.length ? [containers.join(', ')] : []),
    ...(hidden ? [`${hidden} container${hidden === 1 ? '' : 's'} outside your scope`] : []),
  ];
  return new DomainError(
    'NETWORK_IN_USE',
    `Network "${network.name}" has ${endpoints.length} attached container(s): ${parts.join('; ')}. ` +
      'Disconnect or remove them first.',
    { context: { network: network.name, containers, ...(hidden ? { outsideScope: hidden } : {}) } },
  );
}

// A network that containers refer to even though none runs on it (stopped, created, ...): the
// engine would remove it, and those containers could then never start. Those the caller may not
// see are only counted.
export function usedByContainers(
  network: NetworkInfo,
  users: readonly ContainerSummary[],
  canSee: (containerId: string) => boolean = () => true,
): DomainError {
  const shown = users.filter((c) => canSee(c.id));
  const hidden = users.length - shown.length;
  const containers = shown.map((c) => containerLabel(c));
  const parts = [
    ...(shown.length ? [shown.map((c) => `${containerLabel(c)} (${c.state})`).join(', ')] : []),
    ...(hidden ? [`${hidden} container${hidden === 1 ? '' : 's'} outside your scope`] : []),
  ];
  return new DomainError(
    'NETWORK_IN_USE',
    `Network "${network.name}" is used by ${users.length} container(s) that are not running on it now: ${parts.join('; ')}. ` +
      'A stopped or created container keeps its networks and could not start without this one: ' +
      `remove those containers, or disconnect them (DELETE /api/v1/networks/${network.name}/connections/<container>), first.`,
    {
      context: {
        network: network.name,
        containers,
        states: shown.map((c) => c.state),
        ...(hidden ? { outsideScope: hidden } : {}),
      },
    },
  );
}

// IPv6 was asked for, no IPv6 subnet given, and the engine found no IPv6 pool to take one from.
function needsIpv6Subnet(spec: NetworkSpec, engineMessage: string): boolean {
  return (
    spec.enableIPv6 &&
    /ipv6/i.test(engineMessage) &&
    !spec.ipam.config.some((config) => (config.subnet ?? '').includes(':'))
  );
}

const DOCKER_OWN_INTERFACE = /^(lo|docker\d+|br-[0-9a-f]{12}|veth[0-9a-f]{7}|vx-.*|ov-.*)$/;

// `host` is the engine's host network where this machine sees it (null for a remote engine).
export function createFailure(error: unknown, spec: NetworkSpec, host: HostNetwork | null = null): Error {
  if (!(error instanceof EngineRejection)) return error as Error;
  if (error.keepsItsMeaning) return error;
  const engineSaid = `(engine said: ${error.engineMessage})`;
  switch (error.reason) {
    case 'NAME_CONFLICT':
      return new DomainError(
        'NETWORK_NAME_TAKEN',
        `A network named "${spec.name}" already exists; choose another name.`,
      );
    case 'POOL_OVERLAP':
      return new DomainError(
        'SUBNET_OVERLAP',
        `The subnet overlaps a pool the engine already uses ${engineSaid}; choose a free subnet.`,
      );
    case 'POOLS_EXHAUSTED':
      if (needsIpv6Subnet(spec, error.engineMessage)) {
        // Engines before 27 have no default IPv6 pool at all (tested on 20.10 and 26.1): what is
        // missing is the request's IPv6 subnet, not free room in the IPv4 pools.
        return DomainError.validation([
          {
            field: 'ipam.config',
            message:
              'ipam.config needs an IPv6 subnet (such as {"subnet": "fd00:1::/64"}) next to the IPv4 one when enableIPv6 is true: ' +
              `the engine has no default IPv6 address pool to take one from ${engineSaid}`,
          },
        ]);
      }
      return new DomainError(
        'ADDRESS_POOLS_EXHAUSTED',
        `The engine has no free default address pool left ${engineSaid}. Give the network an explicit ipam.config subnet, or prune unused networks.`,
      );
    case 'PARENT_INTERFACE_NOT_FOUND': {
      // The interfaces a parent can be: the host's own, without loopback, Docker's bridges and the
      // veths Docker makes for containers (veth + 7 hex digits; a veth made by hand stays listed).
      const existing = host?.interfaces.filter((name) => !DOCKER_OWN_INTERFACE.test(name)) ?? null;
      const which = existing
        ? existing.length
          ? `Interfaces on that host: ${existing.join(', ')}`
          : "That host has no interface other than loopback and Docker's own"
        : 'See `ip link` on that host for its interfaces';
      return new DomainError(
        'PARENT_INTERFACE_NOT_FOUND',
        `The parent interface "${spec.options.parent ?? ''}" does not exist on the engine's host ${engineSaid}. ` +
          `Use an existing interface. ${which}. A VLAN parent is written eth1.10 and needs the 8021q module.`,
        { context: { parent: spec.options.parent ?? null, ...(existing ? { interfaces: existing } : {}) } },
      );
    }
    case 'PARENT_IN_USE':
      return new DomainError(
        'PARENT_INTERFACE_IN_USE',
        `The parent interface "${spec.options.parent ?? ''}" is already used by another ${spec.driver} network ${engineSaid}. ` +
          'Docker allows one such network per parent: use another interface or a VLAN sub-interface.',
        { context: { parent: spec.options.parent ?? null } },
      );
    case 'DRIVER_NOT_FOUND':
      return new DomainError(
        'UNSUPPORTED_BY_ENGINE',
        `A driver this network needs (network driver "${spec.driver}", IPAM driver "${spec.ipam.driver}") is not installed on this engine ${engineSaid}.`,
        { context: { driver: spec.driver, ipamDriver: spec.ipam.driver } },
      );
    case 'NOT_SWARM_MANAGER':
      return new DomainError(
        'UNSUPPORTED_BY_ENGINE',
        `The "${spec.driver}" driver needs a swarm manager ${engineSaid}. Run \`docker swarm init\` on the engine, then retry.`,
      );
    default:
      return new DomainError(
        'UNSUPPORTED_BY_ENGINE',
        `The engine refused to create network "${spec.name}" with the ${spec.driver} driver ${engineSaid}. ` +
          'This engine or its kernel does not support that configuration.',
        { context: { driver: spec.driver, reason: error.reason } },
      );
  }
}

export function connectFailure(
  error: unknown,
  network: NetworkInfo,
  container: ContainerInfo,
  input: ConnectContainerInput,
  stale: boolean,
): Error {
  if (!(error instanceof EngineRejection)) return error as Error;
  if (error.keepsItsMeaning) return error;
  const staleNote = stale
    ? ` The engine kept a stale record of "${network.name}" in the container's settings (the network has no endpoint for it); ` +
      `it would make the next start fail: stop the container, then DELETE /api/v1/networks/${network.name}/connections/${container.name}.`
    : '';
  const engineSaid = `(engine said: ${error.engineMessage})${staleNote}`;
  const subject = `"${container.name}" to "${network.name}"`;
  switch (error.reason) {
    case 'ALREADY_CONNECTED':
    case 'NAME_CONFLICT':
      return new DomainError(
        'ALREADY_CONNECTED',
        `Container "${container.name}" is already connected to network "${network.name}".`,
      );
    case 'ADDRESS_IN_USE':
      return new DomainError(
        'ADDRESS_IN_USE',
        `The requested address is already in use on network "${network.name}" ${engineSaid}.`,
      );
    case 'ADDRESS_OUTSIDE_SUBNET':
      return new DomainError(
        'ADDRESS_OUTSIDE_SUBNET',
        `The requested address is outside the subnets of "${network.name}" ${engineSaid}.`,
      );
    case 'ADDRESS_NOT_ASSIGNABLE':
      return new DomainError(
        'ADDRESS_NOT_ASSIGNABLE',
        `A fixed address can be chosen only on a network created with an explicit subnet, and "${network.name}" has none ${engineSaid}.`,
        { context: { network: network.name, ipv4Address: input.ipv4Address ?? null } },
      );
    case 'NOT_FOUND':
      return new DomainError(
        'CONTAINER_NOT_FOUND',
        `Container "${container.name}" or network "${network.name}" was removed while connecting.`,
      );
    default:
      return new DomainError(
        'UNSUPPORTED_BY_ENGINE',
        `The engine refused to connect ${subject}: the ${network.driver} driver on this engine or kernel does not support it ${engineSaid}`,
        { context: { driver: network.driver, reason: error.reason, staleRecord: stale } },
      );
  }
}

export function engineRefused(error: unknown, what: string): Error {
  if (!(error instanceof EngineRejection)) return error as Error;
  if (error.keepsItsMeaning) return error;
  return new DomainError(
    'ENGINE_CONFLICT',
    `The engine refused to ${what} (engine said: ${error.engineMessage}).`,
    {
      context: { reason: error.reason },
    },
  );
}
