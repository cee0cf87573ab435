import {
  cidrContainsIp,
  formatCidr,
  formatIp,
  lastAddress,
  parseIp,
  type Cidr,
  type IpAddress,
} from '../../common/net/ip';
import type { TemplateProblem } from '../template.types';
import { keyPath } from './template-problems';

// Fixed addresses of the template's containers against the networks the template declares:
// inside a subnet of their family, never an address the network keeps for itself, never twice.

export interface AddressingConfig {
  cidr: Cidr;
  gateway: string | null;
  auxAddresses: Record<string, string>;
  // `$.networks.front.ipam.config[0]`
  path: string;
}

export interface Addressing {
  enableIPv6: boolean;
  // The default IPAM driver gives the gateway the subnet's first address unless told otherwise.
  defaultGateway: boolean;
  configs: AddressingConfig[];
}

export interface EndpointAddresses {
  network: string;
  // `$.containers.web.networks.front`
  path: string;
  ipv4Address?: string;
  ipv6Address?: string;
  macAddress?: string;
}

interface AddressedNetwork {
  name: string;
  addressing: Addressing | null;
}

const same = (a: IpAddress, b: IpAddress | null) =>
  b !== null && a.version === b.version && a.value === b.value;

// What keeps `ip` from being a container's address in `config`, or null.
function reservedUse(ip: IpAddress, config: AddressingConfig, defaultGateway: boolean): string | null {
  const hostBits = (config.cidr.version === 4 ? 32 : 128) - config.cidr.prefix;
  const subnet = formatCidr(config.cidr);
  if (hostBits > 1 && ip.value === config.cidr.network) return `is the network address of ${subnet}`;
  if (config.cidr.version === 4 && hostBits > 1 && ip.value === lastAddress(config.cidr)) {
    return `is the broadcast address of ${subnet}`;
  }
  if (config.gateway !== null) {
    if (same(ip, parseIp(config.gateway))) return `is the gateway of ${subnet} (${config.path}.gateway)`;
  } else if (defaultGateway && ip.value === config.cidr.network + 1n) {
    return `is the gateway of ${subnet}: without a gateway in ${config.path}, the network gives its first address to the gateway`;
  }
  for (const [host, address] of Object.entries(config.auxAddresses)) {
    if (same(ip, parseIp(address))) {
      return `is reserved for "${host}" (${keyPath(`${config.path}.auxAddresses`, host)})`;
    }
  }
  return null;
}

function fixedAddressProblem(network: AddressedNetwork, address: string, version: 4 | 6): string | null {
  const addressing = network.addressing;
  const ip = parseIp(address);
  if (!addressing || !ip || ip.version !== version) return null;
  if (version === 6 && !addressing.enableIPv6) {
    return `needs IPv6 on network "${network.name}": set enableIPv6 to true and give it an IPv6 subnet`;
  }
  const configs = addressing.configs.filter((c) => c.cidr.version === version);
  if (configs.length === 0) {
    return (
      `needs an IPv${version} subnet on network "${network.name}" (ipam.config[].subnet): ` +
      `the engine picks the subnet otherwise, so no IPv${version} address can be chosen in advance`
    );
  }
  const config = configs.find((c) => cidrContainsIp(c.cidr, ip));
  if (!config) {
    return `${address} is outside the subnets of network "${network.name}" (${configs.map((c) => formatCidr(c.cidr)).join(', ')})`;
  }
  const reserved = reservedUse(ip, config, addressing.defaultGateway);
  return reserved ? `${address} ${reserved}` : null;
}

// Every problem of the fixed IP and MAC addresses: IPs per network, MACs across the template.
export function addressProblems(
  endpoints: readonly EndpointAddresses[],
  networks: ReadonlyMap<string, AddressedNetwork>,
): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const ips = new Map<string, string>();
  const macs = new Map<string, string>();
  for (const endpoint of endpoints) {
    const network = networks.get(endpoint.network);
    for (const [field, version] of [
      ['ipv4Address', 4],
      ['ipv6Address', 6],
    ] as const) {
      const address = endpoint[field];
      if (!address) continue;
      const path = `${endpoint.path}.${field}`;
      if (network) {
        const problem = fixedAddressProblem(network, address, version);
        if (problem) problems.push({ path, message: problem });
      }
      const ip = parseIp(address);
      if (!ip) continue;
      // Keyed by the network and the address's canonical form (`::1` and `0::1` are one).
      const key = `${endpoint.network}\n${formatIp(ip.version, ip.value)}`;
      const first = ips.get(key);
      if (first) {
        problems.push({
          path,
          message: `${address} is also given to ${first} on network "${endpoint.network}"`,
        });
      } else ips.set(key, path);
    }
    if (endpoint.macAddress) {
      const path = `${endpoint.path}.macAddress`;
      const key = endpoint.macAddress.toLowerCase();
      const first = macs.get(key);
      if (first) {
        problems.push({
          path,
          message: `${endpoint.macAddress} is also given to ${first}; MAC addresses must be unique in the template`,
        });
      } else macs.set(key, path);
    }
  }
  return problems;
}
