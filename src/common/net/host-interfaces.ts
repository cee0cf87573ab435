import { readFileSync } from 'node:fs';
import { maskOf, type Cidr } from './ip';

// Interfaces that Docker itself creates: their subnets are networks the engine already reports.
const DOCKER_MADE = /^(docker|br-|veth|vx-|ov-)/;

export interface HostSubnet {
  interfaceName: string;
  cidr: Cidr;
}

// The network of the host an engine runs on, as one network namespace shows it.
export interface HostNetwork {
  // Subnets of its own interfaces (loopback, link-local and Docker's bridges left out).
  subnets: HostSubnet[];
  // Every interface, with or without an address.
  interfaces: string[];
}

const hexToBigInt = (hex: string) => BigInt(`0x${hex}`);

// A little-endian 32-bit hex word of /proc/net/route.
function routeWord(hex: string): bigint | null {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return null;
  const bytes = hex.match(/../g)!.reverse().join('');
  return hexToBigInt(bytes);
}

function prefixOfMask(mask: bigint): number | null {
  let prefix = 0;
  while (prefix < 32 && (mask >> BigInt(31 - prefix)) & 1n) prefix++;
  return mask === maskOf(4, prefix) ? prefix : null;
}

// IPv4 subnets the interfaces reach directly: the routes without a gateway in /proc/net/route
// (the kernel adds one per address: `10.0.0.0/24 dev eth0 proto kernel scope link`).
export function parseRouteTable(text: string): HostSubnet[] {
  const out: HostSubnet[] = [];
  for (const line of text.split('\n').slice(1)) {
    const [iface, destination, gateway, flags, , , , mask] = line.trim().split(/\s+/);
    if (!iface || iface === 'lo' || DOCKER_MADE.test(iface)) continue;
    const network = routeWord(destination ?? '');
    const netmask = routeWord(mask ?? '');
    const up = (Number.parseInt(flags ?? '0', 16) & 1) === 1;
    if (network === null || netmask === null || !up || routeWord(gateway ?? '') !== 0n) continue;
    const prefix = prefixOfMask(netmask);
    // A default route without a gateway says nothing about a LAN.
    if (prefix === null || prefix === 0) continue;
    out.push({ interfaceName: iface, cidr: { version: 4, network: network & netmask, prefix } });
  }
  return out;
}

// IPv6 subnets of the interfaces' global and site addresses (/proc/net/if_inet6).
export function parseIfInet6(text: string): HostSubnet[] {
  const out: HostSubnet[] = [];
  for (const line of text.split('\n')) {
    const [address, , prefixHex, scopeHex, , iface] = line.trim().split(/\s+/);
    if (!address || !iface || !/^[0-9a-f]{32}$/i.test(address) || DOCKER_MADE.test(iface)) continue;
    // Scope 0x10 is loopback, 0x20 link-local.
    const scope = Number.parseInt(scopeHex ?? '', 16);
    const prefix = Number.parseInt(prefixHex ?? '', 16);
    if (scope === 0x10 || scope === 0x20 || !(prefix > 0 && prefix <= 128)) continue;
    const value = hexToBigInt(address);
    out.push({ interfaceName: iface, cidr: { version: 6, network: value & maskOf(6, prefix), prefix } });
  }
  return out;
}

// Interface names in /proc/net/dev.
export function parseNetDev(text: string): string[] {
  return text
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]?.trim() ?? '')
    .filter(Boolean);
}

const readOr = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

// Reads one network namespace through a /proc/<pid>/net folder.
export function readHostNetwork(procNet: string): HostNetwork {
  return {
    subnets: [...parseRouteTable(readOr(`${procNet}/route`)), ...parseIfInet6(readOr(`${procNet}/if_inet6`))],
    interfaces: parseNetDev(readOr(`${procNet}/dev`)),
  };
}
