import type { HostSubnet } from './host-interfaces';
import { cidrContainsCidr, cidrsOverlap, formatCidr, parseCidr, type Cidr } from './ip';

// The address ranges that keys other than admin keys may give their networks: the private
// ranges of RFC 1918 and the unique local IPv6 addresses of RFC 4193.
export const DEFAULT_NETWORK_POOLS = '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fd00::/8';

// NETWORK_POOLS as ranges, or what is wrong with it. An empty text is no pool at all.
export function parseNetworkPools(text: string): { pools: Cidr[]; problems: string[] } {
  const pools: Cidr[] = [];
  const problems: string[] = [];
  for (const item of text.split(',').map((s) => s.trim())) {
    if (!item) continue;
    const parsed = parseCidr(item);
    if (parsed.ok) pools.push(parsed.cidr);
    else problems.push(parsed.reason);
  }
  return { pools, problems };
}

export interface PoolRange {
  // Where the range was given, e.g. `ipam.config.0.subnet`.
  field: string;
  cidr: Cidr;
}

// Why each range is not one a non-admin key may use: outside every pool, or on a subnet of the
// host's own interfaces (a network there would capture the host's traffic to its LAN).
export function poolProblems(ranges: PoolRange[], pools: Cidr[], host: readonly HostSubnet[]): string[] {
  const problems: string[] = [];
  for (const { field, cidr } of ranges) {
    const text = formatCidr(cidr);
    if (!pools.some((pool) => cidrContainsCidr(pool, cidr))) {
      problems.push(`${field} ${text} is outside NETWORK_POOLS (${describePools(pools)})`);
      continue;
    }
    const clash = host.find((h) => cidrsOverlap(h.cidr, cidr));
    if (clash) {
      problems.push(
        `${field} ${text} overlaps ${formatCidr(clash.cidr)} of the host interface ${clash.interfaceName}`,
      );
    }
  }
  return problems;
}

export function describePools(pools: Cidr[]): string {
  return pools.length ? pools.map(formatCidr).join(', ') : 'none';
}
