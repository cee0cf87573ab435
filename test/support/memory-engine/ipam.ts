import {
  type Cidr,
  cidrContainsIp,
  cidrsOverlap,
  formatCidr,
  formatIp,
  lastAddress,
  parseCidr,
  parseIp,
} from '../../../src/common/net/ip';
import type { IpamConfigSpec, NetworkSpec } from '../../../src/engine/engine.types';
import type { AddressPool, NetworkRecord } from './model';
import { refuse } from './refusals';

// The default IPAM driver: explicit subnets, or a free subnet from the default pools, and
// addresses handed out in order.

export interface DefaultPool {
  base: string;
  size: number;
}

const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`memory engine: bad CIDR ${text}: ${parsed.reason}`);
  return parsed.cidr;
};

export function poolOf(config: IpamConfigSpec): AddressPool {
  const subnet = cidr(config.subnet!);
  const gateway = config.gateway ? parseIp(config.gateway)!.value : subnet.network + 1n;
  if (config.gateway && !cidrContainsIp(subnet, { version: subnet.version, value: gateway })) {
    throw refuse(500, `failed to allocate gateway (${config.gateway}): Address out of range`);
  }
  const reserved = new Set(Object.values(config.auxAddresses ?? {}).map((a) => parseIp(a)?.value ?? -1n));
  return { subnet, gateway, range: config.ipRange ? cidr(config.ipRange) : subnet, reserved };
}

// The pools of a new network, or the engine's refusal. `taken` are the subnets of networks in
// the same address space; `avoid` adds the host's own subnets (only for automatic choices).
export function planIpam(
  spec: NetworkSpec,
  taken: Cidr[],
  avoid: Cidr[],
  defaults: DefaultPool[],
): { pools: AddressPool[]; config: IpamConfigSpec[]; userSubnets: boolean } {
  const given = spec.ipam.config.filter((c) => c.subnet);
  if (given.length) {
    const pools = given.map(poolOf);
    for (const pool of pools) {
      if (taken.some((t) => cidrsOverlap(t, pool.subnet)))
        throw refuse(403, 'Pool overlaps with other one on this address space');
    }
    // The engine reports what it was given (no gateway it chose itself).
    return { pools, config: given.map((c) => ({ ...c })), userSubnets: true };
  }
  for (const { base, size } of defaults) {
    const outer = cidr(base);
    const step = 1n << BigInt(32 - size);
    for (let network = outer.network; network <= lastAddress(outer); network += step) {
      const subnet: Cidr = { version: 4, network, prefix: size };
      if ([...taken, ...avoid].some((t) => cidrsOverlap(t, subnet))) continue;
      const gateway = formatIp(4, network + 1n);
      const config = { subnet: formatCidr(subnet), gateway };
      return { pools: [poolOf(config)], config: [config], userSubnets: false };
    }
  }
  throw refuse(
    400,
    'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
  );
}

export function subnetsOf(network: NetworkRecord): Cidr[] {
  return network.pools.map((p) => p.subnet);
}

// Hands out the requested address, or the next free one of the right family.
export function allocate(
  network: NetworkRecord,
  version: 4 | 6,
  used: Set<string>,
  requested: string | null,
): string | null {
  const pools = network.pools.filter((p) => p.subnet.version === version);
  if (requested) {
    const ip = parseIp(requested)!;
    const pool = pools.find((p) => cidrContainsIp(p.subnet, ip));
    if (!pool) {
      throw refuse(
        400,
        `invalid endpoint settings:\nno configured subnet or ip-range contain the IP address ${requested}`,
      );
    }
    const text = formatIp(version, ip.value);
    if (used.has(text) || ip.value === pool.gateway || pool.reserved.has(ip.value))
      throw refuse(403, 'Address already in use');
    return text;
  }
  for (const pool of pools) {
    const first = pool.range.network + (pool.range.prefix < (version === 4 ? 31 : 127) ? 1n : 0n);
    const last = lastAddress(pool.range) - (version === 4 ? 1n : 0n);
    for (let value = first; value <= last; value++) {
      const text = formatIp(version, value);
      if (value === pool.gateway || pool.reserved.has(value) || used.has(text)) continue;
      return text;
    }
  }
  if (pools.length === 0) return null;
  throw refuse(
    403,
    `no available IPv${version} addresses on this network's address pools: ${network.name} (${network.id})`,
  );
}

// Docker derives an endpoint's MAC address from its IPv4 address: 02:42 and the four bytes.
export function macOf(ipv4: string | null): string {
  const value = ipv4 ? parseIp(ipv4)!.value : BigInt(Math.floor(Math.random() * 2 ** 32));
  const bytes = [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 255n).toString(16).padStart(2, '0'));
  return `02:42:${bytes.join(':')}`;
}
