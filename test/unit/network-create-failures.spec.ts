import type { DomainError } from '../../src/common/errors/domain-error';
import { EngineRejection } from '../../src/engine/engine.errors';
import type { NetworkSpec } from '../../src/engine/engine.types';
import { createFailure } from '../../src/networks/network-errors';

const spec = (over: Partial<NetworkSpec> = {}): NetworkSpec => ({
  name: 'n',
  driver: 'bridge',
  internal: false,
  attachable: false,
  enableIPv6: false,
  ipam: { driver: 'default', config: [], options: {} },
  options: {},
  labels: {},
  ...over,
});

const V6_POOLS =
  'could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network';
const V4_POOLS =
  'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network';

describe('a network create the engine refused', () => {
  it('names the missing IPv6 subnet when enableIPv6 came with IPv4 subnets only', () => {
    const error = createFailure(
      new EngineRejection('POOLS_EXHAUSTED', V6_POOLS, 403),
      spec({
        enableIPv6: true,
        ipam: { driver: 'default', config: [{ subnet: '10.1.0.0/24' }], options: {} },
      }),
    ) as DomainError;
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('ipam.config needs an IPv6 subnet');
  });

  it('keeps ADDRESS_POOLS_EXHAUSTED when the IPv4 pools are used up, or an IPv6 subnet was given', () => {
    for (const [message, config] of [
      [V4_POOLS, []],
      [V6_POOLS, [{ subnet: 'fd00:1::/64' }]],
    ] as const) {
      const error = createFailure(
        new EngineRejection('POOLS_EXHAUSTED', message, 403),
        spec({ enableIPv6: true, ipam: { driver: 'default', config: [...config], options: {} } }),
      ) as DomainError;
      expect(error.code).toBe('ADDRESS_POOLS_EXHAUSTED');
    }
  });

  it('names the interfaces of the engine host for a parent that does not exist, without Docker-made ones', () => {
    const macvlan = spec({ driver: 'macvlan', options: { parent: 'eth1' } });
    const rejection = new EngineRejection(
      'PARENT_INTERFACE_NOT_FOUND',
      'invalid subinterface vlan name eth1',
      400,
    );
    const error = createFailure(rejection, macvlan, {
      subnets: [],
      interfaces: ['lo', 'eth0', 'docker0', 'br-0123456789ab', 'veth1a2b3c4', 'veth-lab'],
    }) as DomainError;
    expect(error.code).toBe('PARENT_INTERFACE_NOT_FOUND');
    expect(error.message).toContain('Interfaces on that host: eth0, veth-lab.');
    const remote = createFailure(rejection, macvlan, null) as DomainError;
    expect(remote.message).toContain('See `ip link` on that host');
  });
});
