import { Operations, OPERATION_LABEL } from '../../src/common/operation-context';
import { parsePing, programMissing } from '../../src/connectivity/ping-output';
import { EngineRejection, type EngineRejectionReason } from '../../src/engine/engine.errors';
import type { ContainerEngine } from '../../src/engine/engine.port';
import type {
  ContainerSpec,
  CreateEndpointSpec,
  EngineFeatures,
  NetworkSpec,
  StringMap,
} from '../../src/engine/engine.types';
import { waitFor } from './wait';

// What the services rely on from the engine port, as one suite that runs against every
// implementation: the in-memory engine of the unit tests and the dockerode adapter on each real
// test engine. Where engines legitimately differ, the expectation comes from features().

export interface EnginePortFixture {
  engine: ContainerEngine;
  // Every name the suite uses starts with it.
  prefix: string;
  // Labels on everything the suite creates (cleanup finds them).
  labels: StringMap;
  // A busybox image (sh, ping, sleep).
  image: string;
  // The i-th /24 subnet the suite may use, e.g. 10.209.<i>.0/24.
  subnet: (i: number) => string;
  cleanup: () => Promise<void>;
}

const LIMITS = { timeoutMs: 20_000, outputLimitBytes: 65536 };

// The reason of an engine refusal, or 'ok'.
export async function outcomeOf(call: Promise<unknown>): Promise<EngineRejectionReason | 'ok'> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    if (error instanceof EngineRejection) return error.reason;
    throw error;
  }
}

export function describeEnginePort(
  title: string,
  make: () => EnginePortFixture | Promise<EnginePortFixture>,
): void {
  describe(`the engine port (${title})`, () => {
    let f: EnginePortFixture;
    let engine: ContainerEngine;
    let features: EngineFeatures;
    const name = (n: string) => `${f.prefix}${n}`;

    const network = (n: string, subnet: string | null, extra: Partial<NetworkSpec> = {}): NetworkSpec => ({
      name: name(n),
      driver: 'bridge',
      internal: false,
      attachable: false,
      enableIPv6: false,
      ipam: { driver: 'default', config: subnet ? [{ subnet }] : [], options: {} },
      options: {},
      labels: { ...f.labels },
      ...extra,
    });
    const container = (
      n: string,
      networkMode: string,
      endpoints: CreateEndpointSpec[] = [],
      extra: Partial<ContainerSpec> = {},
    ): ContainerSpec => ({
      name: name(n),
      image: f.image,
      command: ['sleep', '3600'],
      env: {},
      labels: { ...f.labels },
      restartPolicy: { name: 'no', maximumRetryCount: 0 },
      networkMode,
      endpoints,
      ...extra,
    });
    const run = async (spec: ContainerSpec) => {
      const id = await engine.createContainer(spec);
      await engine.startContainer(id);
      return id;
    };
    const endpointOn = async (containerId: string, networkName: string) =>
      (await engine.inspectContainer(containerId)).endpoints.find((e) => e.networkName === networkName);
    const sh = (containerId: string, script: string) =>
      engine.exec(containerId, { command: ['sh', '-c', script], env: {} }, LIMITS);

    // Two networks, the default bridge, and running containers on them, shared by the tests.
    let netA: string;
    let netB: string;
    let internal: string;
    let a1: string;
    let a2: string;
    let onBridge1: string;
    let onBridge2: string;
    let isolated: string;

    beforeAll(async () => {
      f = await make();
      engine = f.engine;
      features = await engine.features();
      netA = await engine.createNetwork(network('a', f.subnet(1)));
      netB = await engine.createNetwork(network('b', f.subnet(2)));
      internal = await engine.createNetwork(network('int', f.subnet(3), { internal: true }));
      [a1, a2, onBridge1, onBridge2, isolated] = await Promise.all([
        run(
          container('a1', netA, [
            { networkId: netA, ipv4Address: f.subnet(1).replace(/0\/24$/, '10'), aliases: ['one'] },
          ]),
        ),
        run(container('a2', netA, [{ networkId: netA }])),
        run(container('br1', 'bridge')),
        run(container('br2', 'bridge')),
        run(container('iso', internal, [{ networkId: internal }])),
      ]);
    });
    afterAll(async () => {
      await f?.cleanup();
    });

    describe('networks', () => {
      it('creates, inspects, lists by label and driver, and removes a network', async () => {
        const id = await engine.createNetwork(
          network('life', f.subnet(10), { labels: { ...f.labels, tier: f.prefix } }),
        );
        const inspected = await engine.inspectNetwork(id);
        expect(inspected).toMatchObject({
          id,
          name: name('life'),
          driver: 'bridge',
          scope: 'local',
          internal: false,
          labels: { tier: f.prefix },
          endpoints: [],
        });
        expect(inspected.ipam.config.map((c) => c.subnet)).toEqual([f.subnet(10)]);
        expect(inspected.createdAt).not.toBeNull();
        expect((await engine.inspectNetwork(name('life'))).id).toBe(id);
        const listed = await engine.listNetworks({ label: [`tier=${f.prefix}`], driver: ['bridge'] });
        expect(listed.filter((n) => n.name.startsWith(f.prefix)).map((n) => n.id)).toEqual([id]);
        expect(listed[0].endpoints).toBeUndefined();
        expect(await engine.listNetworks({ driver: ['macvlan'], label: [`tier=${f.prefix}`] })).toEqual([]);
        await engine.removeNetwork(id);
        expect(await outcomeOf(engine.inspectNetwork(id))).toBe('NOT_FOUND');
        expect(await outcomeOf(engine.removeNetwork(id))).toBe('NOT_FOUND');
      });

      it('chooses a subnet with a gateway when none is given', async () => {
        const id = await engine.createNetwork(network('auto', null));
        const [config] = (await engine.inspectNetwork(id)).ipam.config;
        expect(config.subnet).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
        expect(config.gateway).toMatch(/^\d+\.\d+\.\d+\.1$/);
        await engine.removeNetwork(id);
      });

      it('refuses a taken name, an overlapping subnet and removing a built-in network', async () => {
        expect(await outcomeOf(engine.createNetwork(network('a', f.subnet(11))))).toBe('NAME_CONFLICT');
        const overlap = network('overlap', f.subnet(1).replace(/\/24$/, '/25'));
        expect(await outcomeOf(engine.createNetwork(overlap))).toBe('POOL_OVERLAP');
        const bridge = (await engine.listNetworks()).find((n) => n.name === 'bridge')!;
        expect(await outcomeOf(engine.removeNetwork(bridge.id))).toBe('CONFLICT');
        expect((await engine.listNetworks()).filter((n) => n.name === name('a'))).toHaveLength(1);
      });

      it('lets racing creates of one name all succeed only where the engine allows duplicate names', async () => {
        const racers = 4;
        const results = await Promise.all(
          Array.from({ length: racers }, (_, i) =>
            outcomeOf(engine.createNetwork(network('race', f.subnet(20 + i)))),
          ),
        );
        const created = results.filter((r) => r === 'ok').length;
        expect(created).toBeGreaterThanOrEqual(1);
        expect(created).toBeLessThanOrEqual(features.uniqueNetworkNames ? 1 : racers);
        expect(results.filter((r) => r !== 'ok').every((r) => r === 'NAME_CONFLICT')).toBe(true);
        const same = (await engine.listNetworks()).filter((n) => n.name === name('race'));
        expect(same).toHaveLength(created);
        for (const n of same) await engine.removeNetwork(n.id);
      });

      it('refuses to remove a network with a running container, and prunes only unused ones', async () => {
        expect(await outcomeOf(engine.removeNetwork(netA))).toBe('HAS_ENDPOINTS');
        const unused = await engine.createNetwork(
          network('unused', f.subnet(12), { labels: { ...f.labels, prune: f.prefix } }),
        );
        const busy = await engine.createNetwork(
          network('busy', f.subnet(13), { labels: { ...f.labels, prune: f.prefix } }),
        );
        await run(container('busy1', busy, [{ networkId: busy }]));
        expect(await engine.pruneNetworks([`prune=${f.prefix}`])).toEqual([name('unused')]);
        expect(await outcomeOf(engine.inspectNetwork(unused))).toBe('NOT_FOUND');
        expect((await engine.inspectNetwork(busy)).endpoints).toHaveLength(1);
      });
    });

    describe('containers', () => {
      it('runs a container with a chosen address and alias, and reports its endpoint', async () => {
        const info = await engine.inspectContainer(a1);
        expect(info).toMatchObject({
          name: name('a1'),
          running: true,
          state: 'running',
          command: ['sleep', '3600'],
        });
        const endpoint = info.endpoints.find((e) => e.networkName === name('a'))!;
        expect(endpoint).toMatchObject({
          networkId: netA,
          ipv4Address: f.subnet(1).replace(/0\/24$/, '10'),
          requestedIpv4Address: f.subnet(1).replace(/0\/24$/, '10'),
        });
        expect(endpoint.aliases).toContain('one');
        expect(endpoint.macAddress).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
        const members = (await engine.inspectNetwork(netA)).endpoints!;
        expect(members.find((m) => m.containerId === a1)).toMatchObject({
          containerName: name('a1'),
          ipv4Address: endpoint.ipv4Address,
          macAddress: endpoint.macAddress,
        });
        const listed = await engine.listContainers({
          network: [netA],
          label: [`${Object.keys(f.labels)[0]}=${Object.values(f.labels)[0]}`],
        });
        expect(listed.map((c) => c.id).sort()).toEqual([a1, a2].sort());
      });

      it('filters containers by network id and by name, also before they first start', async () => {
        const idle = await engine.createContainer(container('never-started', netB, [{ networkId: netB }]));
        const byId = await engine.listContainers({ all: true, network: [netB] });
        const byName = await engine.listContainers({ all: true, network: [name('b')] });
        expect(byId.some((c) => c.id === idle)).toBe(true);
        expect(byName.some((c) => c.id === idle)).toBe(true);
        // The endpoint names its network by id from the create (NetworkID), before any address.
        expect((await engine.inspectContainer(idle)).endpoints).toEqual([
          expect.objectContaining({ networkName: name('b'), networkId: netB, ipv4Address: null }),
        ]);
        await engine.removeContainer(idle, false);
      });

      it('treats starting a running and stopping a stopped container as done', async () => {
        const id = await run(
          container('twice', netB, [{ networkId: netB, ipv4Address: f.subnet(2).replace(/0\/24$/, '20') }]),
        );
        await engine.startContainer(id);
        expect((await engine.inspectContainer(id)).running).toBe(true);
        await engine.stopContainer(id, 0);
        await engine.stopContainer(id, 0);
        const stopped = await engine.inspectContainer(id);
        expect(stopped).toMatchObject({ running: false, state: 'exited' });
        // A stopped container keeps the address it asked for, and holds none.
        expect(stopped.endpoints[0]).toMatchObject({
          ipv4Address: null,
          requestedIpv4Address: f.subnet(2).replace(/0\/24$/, '20'),
        });
        expect((await engine.listContainers()).some((c) => c.id === id)).toBe(false);
        expect(
          (await engine.listContainers({ all: true, status: ['exited'] })).some((c) => c.id === id),
        ).toBe(true);
        await engine.restartContainer(id, 0);
        expect((await engine.inspectContainer(id)).running).toBe(true);
      });

      it('renames a container, keeping its id, and refuses a taken name', async () => {
        const id = await engine.createContainer(container('rename-me', 'bridge'));
        await engine.renameContainer(id, name('renamed'));
        const renamed = await engine.inspectContainer(id);
        expect(renamed).toMatchObject({ id, name: name('renamed') });
        expect(await outcomeOf(engine.renameContainer(id, name('a1')))).toBe('NAME_CONFLICT');
        await engine.renameContainer(id, name('rename-me'));
        expect((await engine.inspectContainer(id)).name).toBe(name('rename-me'));
        await engine.removeContainer(id, true);
      });

      it('refuses a taken name, a missing image, and removing a running container without force', async () => {
        expect(await outcomeOf(engine.createContainer(container('a1', 'bridge')))).toBe('NAME_CONFLICT');
        expect(await engine.inspectImage(`${f.prefix}missing/image:1`)).toBeNull();
        expect(await engine.inspectImage(f.image)).toMatchObject({ id: expect.any(String) });
        expect(
          await outcomeOf(
            engine.createContainer(
              container('noimage', 'bridge', [], { image: `${f.prefix}missing/image:1` }),
            ),
          ),
        ).toBe('NOT_FOUND');
        const id = await run(container('doomed', 'bridge'));
        expect(await outcomeOf(engine.removeContainer(id, false))).toBe('RUNNING');
        await engine.removeContainer(id, true);
        expect(await outcomeOf(engine.inspectContainer(id))).toBe('NOT_FOUND');
      });

      it('leaves a container whose command does not exist created, with the failure on start', async () => {
        const id = await engine.createContainer(
          container('nocmd', 'bridge', [], { command: ['no-such-program'] }),
        );
        const failed = await engine.startContainer(id).then(
          () => null,
          (error: unknown) => error,
        );
        expect(failed).toBeInstanceOf(EngineRejection);
        expect(await engine.inspectContainer(id)).toMatchObject({ state: 'created', running: false });
      });

      it('reads the logs of a container, stdout and stderr told apart', async () => {
        const id = await run(
          container('logs', 'none', [], { command: ['sh', '-c', 'echo hello; echo oops >&2'] }),
        );
        await waitFor(async () => !(await engine.inspectContainer(id)).running, {
          what: 'the container to exit',
        });
        const { lines, truncated } = await engine.containerLogs(id, { tail: 10, limitBytes: 1024 });
        expect(truncated).toBe(false);
        // The two streams are separate pipes: their relative order is not kept.
        const stream = (s: string) => lines.filter((l) => l.stream === s).map((l) => l.text);
        expect([stream('stdout'), stream('stderr')]).toEqual([['hello'], ['oops']]);
        expect(lines.every((l) => l.timestamp !== null)).toBe(true);
        expect((await engine.containerLogs(id, { tail: 1, limitBytes: 1024 })).lines).toHaveLength(1);
        // Past the byte limit the answer stops, and says so.
        const capped = await engine.containerLogs(id, { tail: 10, limitBytes: 4 });
        expect(capped.truncated).toBe(true);
        expect(capped.lines.length).toBeLessThan(2);
        expect((await engine.inspectContainer(id)).exitCode).toBe(0);
      });

      it('sets up several networks at create only where the engine can', async () => {
        const spec = container('multi', netA, [{ networkId: netA }, { networkId: netB }], {
          command: ['sleep', '60'],
        });
        const outcome = await outcomeOf(engine.createContainer(spec));
        expect(outcome).toBe(features.multipleNetworksAtCreate ? 'ok' : 'INVALID_REQUEST');
        const made = (await engine.listContainers({ all: true })).find((c) =>
          c.names.includes(name('multi')),
        );
        expect(made?.endpoints.length ?? 0).toBe(features.multipleNetworksAtCreate ? 2 : 0);
      });

      it('applies a per-network MAC address at create only where the engine can', async () => {
        const mac = '02:5e:00:00:10:01';
        const id = await run(container('mac', netB, [{ networkId: netB, macAddress: mac }]));
        const endpoint = await endpointOn(id, name('b'));
        expect(endpoint!.macAddress === mac).toBe(features.perEndpointMacAtCreate);
      });

      it("applies the container's own MAC address to the network networkMode names", async () => {
        // Given the network's id, engines before API 1.44 (which brought per-endpoint MAC
        // addresses) silently ignore it; they apply it when networkMode is the network's name,
        // which newer engines refuse unless the name is also the endpoint's key.
        const mac = '02:5e:00:00:10:02';
        const byId = await run(container('ownmac-id', netB, [{ networkId: netB }], { macAddress: mac }));
        expect((await endpointOn(byId, name('b')))!.macAddress === mac).toBe(features.perEndpointMacAtCreate);
        const other = '02:5e:00:00:10:03';
        const spec = container('ownmac', name('b'), [{ networkId: netB }], { macAddress: other });
        const outcome = await outcomeOf(run(spec));
        expect(outcome).toBe(features.perEndpointMacAtCreate ? 'INVALID_REQUEST' : 'ok');
        const applied = outcome === 'ok' ? (await endpointOn(name('ownmac'), name('b')))!.macAddress : null;
        expect(applied).toBe(features.perEndpointMacAtCreate ? null : other);
      });
    });

    describe('connections', () => {
      it('connects a running container with a chosen address and disconnects it', async () => {
        const address = f.subnet(2).replace(/0\/24$/, '30');
        await engine.connectNetwork(netB, a2, { ipv4Address: address, aliases: ['second'] });
        const endpoint = await endpointOn(a2, name('b'));
        expect(endpoint).toMatchObject({ networkId: netB, ipv4Address: address });
        expect(endpoint!.aliases).toContain('second');
        expect((await engine.inspectNetwork(netB)).endpoints!.map((e) => e.containerId)).toContain(a2);
        expect(await outcomeOf(engine.connectNetwork(netB, a2, {}))).toBe('ALREADY_CONNECTED');
        await engine.disconnectNetwork(netB, a2, false);
        expect(await endpointOn(a2, name('b'))).toBeUndefined();
        expect(await outcomeOf(engine.disconnectNetwork(netB, a2, false))).toBe('NOT_CONNECTED');
      });

      it('refuses addresses outside the subnet, in use, or on the default bridge', async () => {
        expect(await outcomeOf(engine.connectNetwork(netB, a2, { ipv4Address: '10.255.255.10' }))).toBe(
          'ADDRESS_OUTSIDE_SUBNET',
        );
        const taken = f.subnet(1).replace(/0\/24$/, '10');
        const other = await run(container('other', netB, [{ networkId: netB }]));
        expect(await outcomeOf(engine.connectNetwork(netA, other, { ipv4Address: taken }))).toBe(
          'ADDRESS_IN_USE',
        );
        const bridge = (await engine.listNetworks()).find((n) => n.name === 'bridge')!;
        expect(
          await outcomeOf(engine.connectNetwork(bridge.id, other, { ipv4Address: '172.17.0.200' })),
        ).toBe('ADDRESS_NOT_ASSIGNABLE');
        const auto = await engine.createNetwork(network('noip', null));
        expect(await outcomeOf(engine.connectNetwork(auto, other, { ipv4Address: '10.255.0.9' }))).toBe(
          'ADDRESS_NOT_ASSIGNABLE',
        );
      });

      it('applies a MAC address on connect only where the engine can', async () => {
        const mac = '02:5e:00:00:20:01';
        const id = await run(container('connmac', 'bridge'));
        await engine.connectNetwork(netB, id, { macAddress: mac });
        expect((await endpointOn(id, name('b')))!.macAddress === mac).toBe(features.macAddressOnConnect);
      });
    });

    describe('commands', () => {
      it('runs a command and reports its exit code and both streams', async () => {
        const result = await sh(a1, 'echo out; echo err >&2; exit 3');
        expect(result).toMatchObject({
          exitCode: 3,
          stdout: 'out\n',
          stderr: 'err\n',
          timedOut: false,
          truncated: false,
        });
      });

      it('tells a missing program apart, and refuses a stopped container', async () => {
        const missing = await engine.exec(a1, { command: ['no-such-program'], env: {} }, LIMITS);
        expect(programMissing(missing.exitCode, missing.stdout + missing.stderr)).toBe(true);
        const stopped = await engine.createContainer(container('idle', 'bridge'));
        expect(await outcomeOf(engine.exec(stopped, { command: ['true'], env: {} }, LIMITS))).toBe(
          'NOT_RUNNING',
        );
      });

      it('resolves names and aliases on a user-defined network, never on the default bridge', async () => {
        // One echo request, one second for its reply (what is lost costs that second).
        const ping = async (from: string, to: string) => {
          const r = await engine.exec(
            from,
            { command: ['ping', '-c', '1', '-w', '1', '-W', '1', to], env: {} },
            LIMITS,
          );
          return parsePing(`${r.stdout}\n${r.stderr}`);
        };
        const byName = await ping(a2, name('a1'));
        expect(byName).toMatchObject({ resolvedAddress: f.subnet(1).replace(/0\/24$/, '10'), received: 1 });
        expect(await ping(a2, 'one')).toMatchObject({ received: 1 });
        expect(await ping(a2, a1.slice(0, 12))).toMatchObject({ received: 1 });
        expect(await ping(onBridge1, name('br2'))).toMatchObject({ unresolved: true, received: 0 });
        const bridgeAddress = (await endpointOn(onBridge2, 'bridge'))!.ipv4Address!;
        expect(await ping(onBridge1, bridgeAddress)).toMatchObject({ received: 1, packetLoss: 0 });
        expect(await ping(a2, (await endpointOn(onBridge1, 'bridge'))!.ipv4Address!)).toMatchObject({
          received: 0,
          packetLoss: 100,
        });
        // An internal network leads nowhere: no route at all (Docker 26), or a default route whose
        // gateway drops everything (Docker 20.10). Its gateway itself answers.
        const outside = await ping(isolated, f.subnet(1).replace(/0\/24$/, '10'));
        expect(outside.received).toBe(0);
        expect(outside.networkUnreachable || outside.packetLoss === 100).toBe(true);
        expect(await ping(isolated, f.subnet(3).replace(/0\/24$/, '1'))).toMatchObject({ received: 1 });
      });

      it("runs a probe in another container's network namespace and removes it", async () => {
        const probeLabels = { ...f.labels, 'io.switchyard.probe': 'true' };
        const result = await engine.runProbe(
          {
            image: f.image,
            command: ['ping', '-c', '1', '-w', '2', '-W', '2', 'one'],
            targetContainerId: a2,
            labels: probeLabels,
          },
          LIMITS,
        );
        expect(result.exitCode).toBe(0);
        expect(parsePing(result.stdout)).toMatchObject({ received: 1 });
        const idle = await engine.createContainer(container('notrunning', 'bridge'));
        expect(
          await outcomeOf(
            engine.runProbe(
              { image: f.image, command: ['true'], targetContainerId: idle, labels: probeLabels },
              LIMITS,
            ),
          ),
        ).toBe('CONFLICT');
        const probes = await engine.listContainers({ all: true, label: ['io.switchyard.probe=true'] });
        expect(
          probes.filter((p) => p.labels[Object.keys(f.labels)[0]] === Object.values(f.labels)[0]),
        ).toEqual([]);
      });
    });

    describe('audited changes', () => {
      it('stores the intent before the first change and labels what it creates with the operation', async () => {
        const seen: string[] = [];
        const operation = {
          operationId: `${f.prefix}op`,
          beforeChange: (op: string) => {
            seen.push(op);
            return Promise.resolve();
          },
        };
        const id = await Operations.run(operation, () =>
          engine.createNetwork(network('audited', f.subnet(14))),
        );
        expect(seen).toEqual(['network.create']);
        expect((await engine.inspectNetwork(id)).labels[OPERATION_LABEL]).toBe(operation.operationId);
        const listed = await engine.listNetworks({ label: [`${OPERATION_LABEL}=${operation.operationId}`] });
        expect(listed.map((n) => n.id)).toEqual([id]);
        await Operations.run(operation, () => engine.removeNetwork(id));
        expect(seen).toEqual(['network.create', 'network.remove']);
      });
    });
  });
}
