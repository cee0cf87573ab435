import type { HostSubnet } from '../../src/common/net/host-interfaces';
import { parseCidr, type Cidr } from '../../src/common/net/ip';
import { DEFAULT_NETWORK_POOLS, parseNetworkPools, poolProblems } from '../../src/common/net/pools';

const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.cidr;
};
const ranges = (...texts: string[]) =>
  texts.map((text, i) => ({ field: `ipam.config.${i}.subnet`, cidr: cidr(text) }));
const { pools } = parseNetworkPools(DEFAULT_NETWORK_POOLS);
const host: HostSubnet[] = [
  { interfaceName: 'eth0', cidr: cidr('192.168.7.0/24') },
  { interfaceName: 'eth1', cidr: cidr('fd12:3456::/64') },
];

describe('network pools', () => {
  it('parses NETWORK_POOLS and names what is wrong with it', () => {
    expect(pools.length).toBe(4);
    expect(parseNetworkPools(' 10.0.0.0/8 , fd00::/8 ,').problems).toEqual([]);
    expect(parseNetworkPools('').pools).toEqual([]);
    const bad = parseNetworkPools('10.0.0.0/8,10.0.0.1/8,banana');
    expect(bad.pools.length).toBe(1);
    expect(bad.problems).toEqual([
      expect.stringContaining('host bits'),
      expect.stringContaining('CIDR notation'),
    ]);
  });

  it('lets private ranges through, IPv4 and IPv6, down to the edges of each pool', () => {
    expect(
      poolProblems(
        ranges(
          '10.0.0.0/8',
          '10.255.255.0/24',
          '172.16.0.0/12',
          '172.31.255.252/30',
          '192.168.8.0/24',
          'fd00::/8',
          'fdff:1::/64',
        ),
        pools,
        [],
      ),
    ).toEqual([]);
  });

  it('refuses ranges outside every pool, or straddling a pool edge', () => {
    const problems = poolProblems(
      ranges(
        '198.51.100.0/24',
        '172.32.0.0/16',
        '172.0.0.0/8',
        '2001:db8::/64',
        'fc00::/8',
        '11.0.0.0/8',
        '0.0.0.0/0',
      ),
      pools,
      [],
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^ipam\.config\.0\.subnet 198\.51\.100\.0\/24 is outside NETWORK_POOLS \(10\.0\.0\.0\/8, /,
      ),
      expect.stringContaining('172.32.0.0/16 is outside'),
      expect.stringContaining('172.0.0.0/8 is outside'),
      expect.stringContaining('2001:db8::/64 is outside'),
      expect.stringContaining('fc00::/8 is outside'),
      expect.stringContaining('11.0.0.0/8 is outside'),
      expect.stringContaining('0.0.0.0/0 is outside'),
    ]);
  });

  it("takes the host's own interface subnets out of the pools", () => {
    expect(
      poolProblems(
        ranges('192.168.0.0/16', '192.168.7.128/25', 'fd12:3456::/80', '192.168.6.0/24'),
        pools,
        host,
      ),
    ).toEqual([
      'ipam.config.0.subnet 192.168.0.0/16 overlaps 192.168.7.0/24 of the host interface eth0',
      'ipam.config.1.subnet 192.168.7.128/25 overlaps 192.168.7.0/24 of the host interface eth0',
      'ipam.config.2.subnet fd12:3456::/80 overlaps fd12:3456::/64 of the host interface eth1',
    ]);
  });

  it('with no pools, refuses every explicit range', () => {
    expect(poolProblems(ranges('10.1.0.0/16'), [], [])).toEqual([
      'ipam.config.0.subnet 10.1.0.0/16 is outside NETWORK_POOLS (none)',
    ]);
  });
});
