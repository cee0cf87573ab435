import { DomainError } from '../../src/common/errors/domain-error';
import { createValidationPipe } from '../../src/common/validation/validation.pipe';
import { CreateNetworkInput } from '../../src/networks/dto/create-network.input';
import { MANAGED_LABEL } from '../../src/common/labels';
import { planNetwork } from '../../src/networks/network-spec';

const pipe = createValidationPipe();

async function plan(body: unknown) {
  const input = (await pipe.transform(body, {
    type: 'body',
    metatype: CreateNetworkInput,
  })) as CreateNetworkInput;
  return planNetwork(input);
}

async function fieldErrors(body: unknown): Promise<Array<{ field: string; message: string }>> {
  try {
    await plan(body);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('VALIDATION_FAILED');
    return (error as DomainError).errors ?? [];
  }
  throw new Error('expected VALIDATION_FAILED');
}

describe('network create input and plan', () => {
  it('builds the engine spec with defaults and the managed label', async () => {
    const { spec, subnets } = await plan({
      name: 'backend',
      ipam: {
        config: [
          {
            subnet: '10.30.0.0/24',
            gateway: '10.30.0.1',
            ipRange: '10.30.0.128/25',
            auxAddresses: { router: '10.30.0.254' },
          },
        ],
      },
      labels: { team: 'a' },
      options: { 'com.docker.network.driver.mtu': '1400' },
    });
    expect(spec).toEqual({
      name: 'backend',
      driver: 'bridge',
      internal: false,
      attachable: false,
      enableIPv6: false,
      ipam: {
        driver: 'default',
        config: [
          {
            subnet: '10.30.0.0/24',
            gateway: '10.30.0.1',
            ipRange: '10.30.0.128/25',
            auxAddresses: { router: '10.30.0.254' },
          },
        ],
        options: {},
      },
      options: { 'com.docker.network.driver.mtu': '1400' },
      labels: { team: 'a', [MANAGED_LABEL]: 'true' },
    });
    expect(subnets).toHaveLength(1);
  });

  it.each([
    [{ name: 'a/../x' }, 'name'],
    [{ name: '-lead' }, 'name'],
    [{ name: 'x'.repeat(65) }, 'name'],
    [{ name: 'ok', driver: 'bad driver' }, 'driver'],
    [{ name: 'ok', unknownField: 1 }, 'unknownField'],
    [{ name: 'ok', internal: 'yes' }, 'internal'],
    [{ name: 'ok', ipam: { config: [{ subnet: '10.30.0.0' }] } }, 'ipam.config.0.subnet'],
    [{ name: 'ok', ipam: { config: [{ subnet: '10.30.0.1/24' }] } }, 'ipam.config.0.subnet'],
    [
      { name: 'ok', ipam: { config: [{ subnet: '10.30.0.0/24', gateway: '10.31.0.1' }] } },
      'ipam.config.0.gateway',
    ],
    [
      { name: 'ok', ipam: { config: [{ subnet: '10.30.0.0/24', gateway: '10.30.0.0' }] } },
      'ipam.config.0.gateway',
    ],
    [
      { name: 'ok', ipam: { config: [{ subnet: '10.30.0.0/24', gateway: '10.30.0.255' }] } },
      'ipam.config.0.gateway',
    ],
    [
      { name: 'ok', ipam: { config: [{ subnet: '10.30.0.0/24', gateway: 'nope' }] } },
      'ipam.config.0.gateway',
    ],
    [
      { name: 'ok', ipam: { config: [{ subnet: '10.30.0.0/24', ipRange: '10.30.1.0/25' }] } },
      'ipam.config.0.ipRange',
    ],
    [
      { name: 'ok', ipam: { config: [{ subnet: '10.30.0.0/24', auxAddresses: { r: '10.99.0.1' } }] } },
      'ipam.config.0.auxAddresses.r',
    ],
    [{ name: 'ok', ipam: { config: [{ gateway: '10.30.0.1' }] } }, 'ipam.config.0.subnet'],
    [{ name: 'ok', ipam: { config: [{ subnet: 'fd00:30::/64' }] } }, 'ipam.config.0.subnet'],
    [{ name: 'ok', ipam: { config: [{ subnet: '127.0.0.0/16' }] } }, 'ipam.config.0.subnet'],
    [{ name: 'ok', ipam: { config: [{ subnet: '10.30.0.0/31' }] } }, 'ipam.config.0.subnet'],
    [
      { name: 'ok', ipam: { config: [{ subnet: '10.30.0.0/24' }, { subnet: '10.30.0.128/25' }] } },
      'ipam.config.1.subnet',
    ],
    [
      { name: 'ok', options: { 'com.docker.network.driver.mtu': '9' } },
      'options.com.docker.network.driver.mtu',
    ],
    [
      { name: 'ok', options: { 'com.docker.network.bridge.name': 'much-too-long-name0' } },
      'options.com.docker.network.bridge.name',
    ],
    [{ name: 'ok', options: { parent: 'eth1' } }, 'options.parent'],
    [
      { name: 'ok', driver: 'macvlan', options: { parent: 'eth1', macvlan_mode: 'wild' } },
      'options.macvlan_mode',
    ],
    [{ name: 'ok', driver: 'macvlan', options: { parent: 'bad/parent' } }, 'options.parent'],
    [{ name: 'ok', labels: { 'io.switchyard.managed': 'false' } }, 'labels'],
    [{ name: 'ok', labels: { team: 5 } }, 'labels'],
    [{ name: 'ok', labels: ['x'] }, 'labels'],
    [{ name: 'ok', driver: 'host' }, 'driver'],
    [{ name: 'ok', ipam: [] }, 'ipam'],
    [{ name: 'ok', ipam: { config: { subnet: '10.30.0.0/24' } } }, 'ipam.config'],
    [
      {
        name: 'ok',
        ipam: {
          config: [{ subnet: '10.30.0.0/24', gateway: '10.30.0.9', auxAddresses: { r: '10.30.0.9' } }],
        },
      },
      'ipam.config.0.auxAddresses.r',
    ],
    [
      { name: 'ok', ipam: { config: [{ subnet: '10.30.0.0/24', auxAddresses: { r: '10.30.0.1' } }] } },
      'ipam.config.0.auxAddresses.r',
    ],
    [
      {
        name: 'ok',
        ipam: { config: [{ subnet: '10.30.0.0/24', auxAddresses: { a: '10.30.0.5', b: '10.30.0.5' } }] },
      },
      'ipam.config.0.auxAddresses.b',
    ],
  ])('refuses %j naming %s', async (body, field) => {
    const errors = await fieldErrors(body);
    expect(errors.map((e) => e.field)).toContain(field);
    for (const e of errors) expect(e.message.startsWith(e.field)).toBe(true);
  });

  it('reports every problem at once', async () => {
    const errors = await fieldErrors({
      name: 'a b',
      ipam: { config: [{ subnet: '10.30.0.0/24', gateway: '10.99.0.1', ipRange: '10.98.0.0/24' }] },
    });
    // name fails in the DTO, before the arithmetic; the arithmetic runs on valid shapes.
    expect(errors.map((e) => e.field)).toEqual(['name']);
    const more = await fieldErrors({
      name: 'ab',
      ipam: { config: [{ subnet: '10.30.0.0/24', gateway: '10.99.0.1', ipRange: '10.98.0.0/24' }] },
    });
    expect(more.map((e) => e.field).sort()).toEqual(['ipam.config.0.gateway', 'ipam.config.0.ipRange']);
  });

  it('accepts IPv6 with enableIPv6, macvlan and plugin drivers', async () => {
    await expect(
      plan({
        name: 'v6',
        enableIPv6: true,
        ipam: { config: [{ subnet: 'fd00:30::/64', gateway: 'fd00:30::1' }] },
      }),
    ).resolves.toBeDefined();
    await expect(
      plan({ name: 'mv', driver: 'macvlan', options: { parent: 'eth1.10', macvlan_mode: 'bridge' } }),
    ).resolves.toBeDefined();
    const plugin = await plan({
      name: 'pl',
      driver: 'weaveworks/net-plugin:latest_release',
      options: { 'custom.opt': 'x' },
    });
    expect(plugin.spec.driver).toBe('weaveworks/net-plugin:latest_release');
  });
});
