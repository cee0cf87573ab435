import { DomainError } from '../common/errors/domain-error';
import { cidrContainsIp, formatCidr, normaliseIp, parseCidr, parseIp } from '../common/net/ip';
import type {
  ContainerEndpoint,
  ContainerInfo,
  ContainerSummary,
  EndpointSpec,
  NetworkInfo,
} from '../engine/engine.types';

// Rules for a container's endpoint on a network, shared by connect and run.

// A chosen address must lie in one of the network's subnets and be free: not the gateway, not
// another container's. (The engine answers 500 to the first and a bare 403 to the others.)
// `canSee` tells which holders the key may be told the name of (every one when not given).
export function checkAddressesFree(
  network: NetworkInfo,
  input: Pick<EndpointSpec, 'ipv4Address' | 'ipv6Address'>,
  canSee: (containerId: string) => boolean = () => true,
): void {
  const wanted: Array<[string | undefined, 4 | 6]> = [
    [input.ipv4Address, 4],
    [input.ipv6Address, 6],
  ];
  for (const [address, version] of wanted) {
    if (!address) continue;
    const ip = parseIp(address);
    if (!ip) continue;
    const subnets = network.ipam.config
      .map((c) => (c.subnet ? parseCidr(c.subnet) : null))
      .flatMap((p) => (p?.ok && p.cidr.version === version ? [p.cidr] : []));
    if (subnets.length === 0) {
      throw new DomainError(
        'ADDRESS_NOT_ASSIGNABLE',
        `Network "${network.name}" has no IPv${version} subnet, so no IPv${version} address can be chosen on it.`,
        { context: { network: network.name } },
      );
    }
    if (!subnets.some((s) => cidrContainsIp(s, ip))) {
      throw new DomainError(
        'ADDRESS_OUTSIDE_SUBNET',
        `${address} is outside the subnets of network "${network.name}" (${subnets.map(formatCidr).join(', ')}).`,
        { context: { address, network: network.name, subnets: subnets.map(formatCidr) } },
      );
    }
    const gateways = network.ipam.config.map((c) => (c.gateway ? normaliseIp(c.gateway) : null));
    if (gateways.includes(normaliseIp(address))) {
      throw new DomainError('ADDRESS_IN_USE', `${address} is the gateway of network "${network.name}".`, {
        context: { address, network: network.name },
      });
    }
    const holder = (network.endpoints ?? []).find(
      (e) => normaliseIp((version === 4 ? e.ipv4Address : e.ipv6Address) ?? '') === normaliseIp(address),
    );
    if (holder && !canSee(holder.containerId)) {
      throw new DomainError(
        'ADDRESS_IN_USE',
        `${address} is already used by a container outside your scope on network "${network.name}"; choose another address.`,
        { context: { address, network: network.name } },
      );
    }
    if (holder) {
      throw new DomainError(
        'ADDRESS_IN_USE',
        `${address} is already used by container "${holder.containerName}" on network "${network.name}".`,
        { context: { address, network: network.name, container: holder.containerName } },
      );
    }
  }
}

// A chosen MAC address must be free on the network (one L2 segment): the engine accepts a copy,
// and then frames for one container reach the other. Holders are the network's endpoints and the
// containers configured on it (stopped ones included). The holder is never named: it may be
// outside the key's scope (the default bridge is shared by every scope).
export function checkMacFree(
  network: NetworkInfo,
  macAddress: string | undefined,
  containers: readonly ContainerSummary[],
): void {
  if (!macAddress) return;
  const wanted = macAddress.toLowerCase();
  const onNetwork = (e: ContainerEndpoint) =>
    e.networkId === network.id || (e.networkId === '' && e.networkName === network.name);
  const taken =
    (network.endpoints ?? []).some((e) => e.macAddress?.toLowerCase() === wanted) ||
    containers.some((c) => c.endpoints.some((e) => onNetwork(e) && e.macAddress?.toLowerCase() === wanted));
  if (taken) {
    throw new DomainError(
      'ADDRESS_IN_USE',
      `The MAC address ${macAddress} is already in use on this network ("${network.name}"); choose another one, or leave macAddress out and the engine picks a free one.`,
      { context: { macAddress, network: network.name } },
    );
  }
}

// What the engine did not apply of a requested endpoint, in words; empty when all of it holds.
// A stopped container has only the requested addresses yet (the engine assigns them on start).
export function endpointProblems(
  container: ContainerInfo,
  endpoint: ContainerEndpoint | undefined,
  wanted: EndpointSpec,
): string[] {
  if (!endpoint) return ['the engine reports no endpoint on the network'];
  const problems: string[] = [];
  const check = (
    label: string,
    address: string | undefined,
    actual: string | null,
    requested: string | null,
  ) => {
    if (!address) return;
    const have = container.running ? actual : requested;
    if (normaliseIp(have ?? '') !== normaliseIp(address))
      problems.push(`${label} ${address} (engine reports ${have ?? 'none'})`);
  };
  check('IPv4 address', wanted.ipv4Address, endpoint.ipv4Address, endpoint.requestedIpv4Address);
  check('IPv6 address', wanted.ipv6Address, endpoint.ipv6Address, endpoint.requestedIpv6Address);
  if (
    wanted.macAddress &&
    container.running &&
    endpoint.macAddress?.toLowerCase() !== wanted.macAddress.toLowerCase()
  ) {
    problems.push(`MAC address ${wanted.macAddress} (engine reports ${endpoint.macAddress ?? 'none'})`);
  }
  const missing = (wanted.aliases ?? []).filter((a) => !endpoint.aliases.includes(a));
  if (missing.length) problems.push(`aliases ${missing.join(', ')}`);
  return problems;
}
