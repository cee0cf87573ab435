import { type DomainError } from '../../src/common/errors/domain-error';
import { parseCidr, type Cidr } from '../../src/common/net/ip';
import type { NetworkInfo, NetworkSpec } from '../../src/engine/engine.types';
import type { HostNetwork } from '../../src/common/net/host-interfaces';
import { assertBridgeNameFree, assertNoSubnetOverlap } from '../../src/networks/network-conflicts';

const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.cidr;
};

const network = (name: string, subnet: string | null, options: Record<string, string> = {}): NetworkInfo => ({
  id: `${name.padEnd(12, '0')}${'f'.repeat(52)}`,
  name,
  driver: 'bridge',
  scope: 'local',
  internal: false,
  attachable: false,
  ingress: false,
  configOnly: false,
  enableIPv6: false,
  ipam: { driver: 'default', config: subnet ? [{ subnet }] : [], options: {} },
  options,
  labels: {},
  createdAt: null,
});

const spec = (driver: string, options: Record<string, string> = {}): NetworkSpec => ({
  name: 'new',
  driver,
  internal: false,
  attachable: false,
  enableIPv6: false,
  ipam: { driver: 'default', config: [], options: {} },
  options,
  labels: {},
});

const host = (): HostNetwork => ({
  subnets: [{ interfaceName: 'lan0', cidr: cidr('192.168.7.0/24') }],
  interfaces: ['lo', 'lan0'],
});

function codeOf(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    return (error as DomainError).code;
  }
}

describe('network conflicts', () => {
  const existing = [
    network('a', '10.1.0.0/16'),
    network('b', null),
    network('bridge', '172.17.0.0/16', { 'com.docker.network.bridge.name': 'docker0' }),
  ];

  it('finds subnet overlaps with existing networks, naming them', () => {
    let error: DomainError | undefined;
    try {
      assertNoSubnetOverlap(spec('bridge'), [cidr('10.1.200.0/24')], existing, host());
    } catch (e) {
      error = e as DomainError;
    }
    expect(error?.code).toBe('SUBNET_OVERLAP');
    expect(error?.context).toMatchObject({ network: 'a', networkSubnet: '10.1.0.0/16' });
    expect(
      codeOf(() => assertNoSubnetOverlap(spec('bridge'), [cidr('10.2.0.0/16')], existing, host())),
    ).toBeNull();
  });

  it('keeps bridges off the host LAN, but lets macvlan share it, and ignores it for remote engines', () => {
    expect(codeOf(() => assertNoSubnetOverlap(spec('bridge'), [cidr('192.168.7.128/25')], [], host()))).toBe(
      'SUBNET_OVERLAP',
    );
    expect(
      codeOf(() => assertNoSubnetOverlap(spec('macvlan'), [cidr('192.168.7.0/24')], [], host())),
    ).toBeNull();
    expect(
      codeOf(() => assertNoSubnetOverlap(spec('bridge'), [cidr('192.168.7.0/24')], [], null)),
    ).toBeNull();
  });

  it('keeps bridge interface names unique, including the implicit br-<id> names', () => {
    const br = (name: string) => spec('bridge', { 'com.docker.network.bridge.name': name });
    expect(codeOf(() => assertBridgeNameFree(br('docker0'), existing, host()))).toBe('BRIDGE_NAME_TAKEN');
    expect(
      codeOf(() => assertBridgeNameFree(br(`br-${existing[0].id.slice(0, 12)}`), existing, host())),
    ).toBe('BRIDGE_NAME_TAKEN');
    expect(codeOf(() => assertBridgeNameFree(br('lan0'), existing, host()))).toBe('BRIDGE_NAME_TAKEN');
    expect(codeOf(() => assertBridgeNameFree(br('lan0'), existing, null))).toBeNull();
    expect(codeOf(() => assertBridgeNameFree(br('sy-free'), existing, host()))).toBeNull();
    expect(codeOf(() => assertBridgeNameFree(spec('bridge'), existing, host()))).toBeNull();
  });
});
