import { DomainError } from '../../src/common/errors/domain-error';
import { EngineRejection } from '../../src/engine/engine.errors';
import type { ContainerSpec, CreateEndpointSpec, NetworkSpec } from '../../src/engine/engine.types';
import { outcomeOf } from '../support/engine-contract';
import { hostNetworkOf, MemoryEngine } from '../support/memory-engine';

// The in-memory engine's own model, where the port contract (engine-port.spec.ts) leaves details
// to each engine: IPAM, MACs, aliases, swarm, network modes, and the controls tests use.
const spec = (name: string, extra: Partial<NetworkSpec> = {}): NetworkSpec => ({
  name,
  driver: 'bridge',
  internal: false,
  attachable: false,
  enableIPv6: false,
  ipam: { driver: 'default', config: [], options: {} },
  options: {},
  labels: {},
  ...extra,
});
const withSubnet = (name: string, config: NetworkSpec['ipam']['config'], extra: Partial<NetworkSpec> = {}) =>
  spec(name, { ipam: { driver: 'default', config, options: {} }, ...extra });
const box = (name: string, networkMode: string, endpoints: CreateEndpointSpec[] = []): ContainerSpec => ({
  name,
  image: 'switchyard/busybox:latest',
  command: ['sleep', '3600'],
  env: {},
  labels: {},
  restartPolicy: { name: 'no', maximumRetryCount: 0 },
  networkMode,
  endpoints,
});
const LIMITS = { timeoutMs: 1000, outputLimitBytes: 1024 };

async function running(
  engine: MemoryEngine,
  name: string,
  networkMode: string,
  endpoints: CreateEndpointSpec[] = [],
) {
  const id = await engine.createContainer(box(name, networkMode, endpoints));
  await engine.startContainer(id);
  return id;
}

describe('the in-memory engine', () => {
  describe('IPAM', () => {
    it('hands out addresses in order, skipping the gateway, auxiliary addresses and addresses in use', async () => {
      const engine = new MemoryEngine();
      const net = await engine.createNetwork(
        withSubnet('n', [
          { subnet: '10.1.0.0/24', gateway: '10.1.0.2', auxAddresses: { printer: '10.1.0.3' } },
        ]),
      );
      await running(engine, 'chosen', net, [{ networkId: net, ipv4Address: '10.1.0.4' }]);
      const ids = [await running(engine, 'x', net), await running(engine, 'y', net)];
      const addresses = ids.map(
        (id) => engine.allContainers().find((c) => c.id === id)!.endpoints[0].ipv4Address,
      );
      expect(addresses).toEqual(['10.1.0.1', '10.1.0.5']);
      // The address of a stopped container is free again.
      await engine.stopContainer(ids[0], 0);
      await running(engine, 'z', net);
      expect(engine.container('z')!.endpoints[0].ipv4Address).toBe('10.1.0.1');
      expect(
        await outcomeOf(running(engine, 'again', net, [{ networkId: net, ipv4Address: '10.1.0.2' }])),
      ).toBe('ADDRESS_IN_USE');
    });

    it('hands out addresses from the ipRange, and IPv6 ones where enabled', async () => {
      const engine = new MemoryEngine();
      const net = await engine.createNetwork(
        withSubnet('n', [{ subnet: '10.2.0.0/24', ipRange: '10.2.0.128/25' }, { subnet: 'fd00:2::/64' }], {
          enableIPv6: true,
        }),
      );
      await running(engine, 'a', net);
      expect(engine.container('a')!.endpoints[0]).toMatchObject({
        ipv4Address: '10.2.0.129',
        ipv6Address: 'fd00:2::2',
        macAddress: '02:42:0a:02:00:81',
      });
    });

    it('chooses a free /24 from the default pools, avoiding networks and the host LAN', async () => {
      const engine = new MemoryEngine({
        host: hostNetworkOf({ eth0: '10.3.1.7/24' }),
        addressPools: [{ base: '10.3.0.0/22', size: 24 }],
      });
      await engine.createNetwork(withSubnet('taken', [{ subnet: '10.3.0.0/24' }]));
      const subnets: string[] = [];
      for (const name of ['p1', 'p2']) {
        const id = await engine.createNetwork(spec(name));
        subnets.push((await engine.inspectNetwork(id)).ipam.config[0].subnet!);
      }
      expect(subnets).toEqual(['10.3.2.0/24', '10.3.3.0/24']);
      expect(await outcomeOf(engine.createNetwork(spec('p3')))).toBe('POOLS_EXHAUSTED');
    });
  });

  describe('versions', () => {
    it.each([
      ['1.41', true],
      ['1.45', false],
    ])(
      'API %s: the short id is among the aliases: %s (it resolves either way)',
      async (apiVersion, listed) => {
        const engine = new MemoryEngine({ apiVersion });
        const net = await engine.createNetwork(withSubnet('n', [{ subnet: '10.4.0.0/24' }]));
        const a = await running(engine, 'a', net, [{ networkId: net, aliases: ['alpha'] }]);
        const b = await running(engine, 'b', net);
        expect(engine.container('a')!.endpoints[0].aliases).toEqual(
          listed ? ['alpha', a.slice(0, 12)] : ['alpha'],
        );
        const ping = await engine.exec(b, { command: ['ping', '-c', '1', a.slice(0, 12)], env: {} }, LIMITS);
        expect(ping.exitCode).toBe(0);
      },
    );

    it('reports the version it was given, and features from the real featuresFor', async () => {
      const engine = new MemoryEngine({ apiVersion: '1.55' });
      expect(await engine.version()).toMatchObject({ apiVersion: '1.55', negotiatedApiVersion: '1.54' });
      expect(await engine.features()).toMatchObject({ apiVersion: '1.54', macAddressOnConnect: true });
    });
  });

  describe('swarm and network modes', () => {
    it('has overlay networks only as a swarm manager, with the networks swarm mode adds', async () => {
      const alone = new MemoryEngine();
      expect(await outcomeOf(alone.createNetwork(spec('mesh', { driver: 'overlay' })))).toBe(
        'NOT_SWARM_MANAGER',
      );
      expect((await alone.listNetworks()).map((n) => n.name).sort()).toEqual(['bridge', 'host', 'none']);
      const manager = new MemoryEngine({ swarm: { localNodeState: 'active', isManager: true } });
      expect((await manager.listNetworks()).map((n) => n.name).sort()).toEqual([
        'bridge',
        'docker_gwbridge',
        'host',
        'ingress',
        'none',
      ]);
      const closed = await manager.createNetwork(spec('closed', { driver: 'overlay' }));
      const open = await manager.createNetwork(spec('open', { driver: 'overlay', attachable: true }));
      expect(await manager.inspectNetwork(open)).toMatchObject({
        scope: 'swarm',
        ipam: { config: [{ subnet: '10.0.2.0/24' }] },
      });
      const c = await running(manager, 'c', 'bridge');
      expect(await outcomeOf(manager.connectNetwork(closed, c, {}))).toBe('CONFLICT');
      expect(await outcomeOf(manager.connectNetwork(open, c, {}))).toBe('ok');
    });

    it('gives host and none containers no address and no other network; the host reaches the bridges', async () => {
      const engine = new MemoryEngine();
      const net = await engine.createNetwork(withSubnet('n', [{ subnet: '10.5.0.0/24' }]));
      const onHost = await running(engine, 'on-host', 'host');
      const alone = await running(engine, 'alone', 'none');
      await running(engine, 'member', net);
      expect(engine.container('on-host')!.endpoints).toEqual([
        expect.objectContaining({ networkName: 'host', ipv4Address: null, macAddress: null }),
      ]);
      expect(await outcomeOf(engine.connectNetwork(net, onHost, {}))).toBe('INVALID_REQUEST');
      expect(await outcomeOf(engine.connectNetwork(net, alone, {}))).toBe('INVALID_REQUEST');
      const fromHost = await engine.exec(
        onHost,
        { command: ['ping', '-c', '1', '10.5.0.2'], env: {} },
        LIMITS,
      );
      expect(fromHost.exitCode).toBe(0);
      const fromNowhere = await engine.exec(
        alone,
        { command: ['ping', '-c', '1', '10.5.0.2'], env: {} },
        LIMITS,
      );
      expect(fromNowhere.stderr).toBe('ping: sendto: Network is unreachable\n');
    });
  });

  describe('commands', () => {
    it('expands the environment, keeps a deadline and caps the output', async () => {
      const engine = new MemoryEngine();
      const id = await running(engine, 'c', 'none');
      const env = await engine.exec(
        id,
        { command: ['sh', '-c', 'echo $GREETING $1'], env: { GREETING: 'hi' } },
        LIMITS,
      );
      expect(env.stdout).toBe('hi\n');
      const slow = await engine.exec(id, { command: ['sleep', '5'], env: {} }, { ...LIMITS, timeoutMs: 50 });
      expect(slow).toMatchObject({ exitCode: null, timedOut: true });
      const long = await engine.exec(
        id,
        { command: ['echo', 'x'.repeat(40)], env: {} },
        { ...LIMITS, outputLimitBytes: 10 },
      );
      expect(long).toMatchObject({ stdout: 'xxxxxxxxxx', truncated: true });
      const unknown = await engine.exec(id, { command: ['sh', '-c', 'nosuch'], env: {} }, LIMITS);
      expect(unknown).toMatchObject({ exitCode: 127, stderr: 'sh: nosuch: not found\n' });
    });

    it('runs a short main command to its end, its output in the logs', async () => {
      const engine = new MemoryEngine();
      const id = await engine.createContainer({
        ...box('once', 'none'),
        command: ['sh', '-c', 'echo done; exit 3'],
      });
      await engine.startContainer(id);
      expect(engine.container('once')).toMatchObject({ state: 'exited', exitCode: 3 });
      expect((await engine.containerLogs(id, { limitBytes: 1024 })).lines.map((l) => l.text)).toEqual([
        'done',
      ]);
    });
  });

  describe('controls', () => {
    it('logs calls, tells changes from reads, and fails or delays the calls a test picks', async () => {
      const engine = new MemoryEngine();
      await engine.listNetworks();
      await engine.createNetwork(spec('a'));
      expect(engine.calls.map((c) => c.op)).toEqual(['listNetworks', 'createNetwork']);
      expect(engine.changes()).toEqual(['createNetwork']);
      const refusal = new EngineRejection('BUSY', 'a prune operation is already running', 409);
      engine.failNext('pruneNetworks', refusal);
      await expect(engine.pruneNetworks([])).rejects.toBe(refusal);
      expect(await engine.pruneNetworks([])).toEqual(['a']);
      const order: string[] = [];
      engine.beforeNext('removeNetwork', () => {
        order.push('hook');
      });
      await engine.createNetwork(spec('b'));
      await engine.removeNetwork('b').then(() => order.push('removed'));
      expect(order).toEqual(['hook', 'removed']);
    });

    it('stops answering like an engine that is down, and comes back', async () => {
      const engine = new MemoryEngine();
      engine.setReachable(false);
      const down = await engine.ping().then(
        () => null,
        (error: unknown) => error,
      );
      expect(down).toBeInstanceOf(DomainError);
      expect((down as DomainError).code).toBe('ENGINE_UNAVAILABLE');
      engine.setReachable(true);
      await expect(engine.ping()).resolves.toBeUndefined();
    });

    it('gives preset ids, so that tests can make id prefixes collide', async () => {
      const engine = new MemoryEngine();
      engine.presetNextIds(`abcd1${'0'.repeat(59)}`, `abcd2${'0'.repeat(59)}`);
      const first = await engine.createContainer(box('first', 'none'));
      const second = await engine.createNetwork(spec('second'));
      expect([first, second].map((id) => id.slice(0, 5))).toEqual(['abcd1', 'abcd2']);
      expect(await outcomeOf(engine.inspectContainer('abcd'))).toBe('ok');
    });
  });
});
