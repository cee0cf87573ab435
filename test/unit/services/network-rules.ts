import { AccessPolicy } from '../../../src/auth/access-policy';
import type { ApiKeysService } from '../../../src/auth/api-keys.service';
import type { Actor } from '../../../src/auth/roles';
import { loadConfig } from '../../../src/config/app-config';
import { InstanceIdentity } from '../../../src/instance/instance-identity';
import type { DomainError } from '../../../src/common/errors/domain-error';
import { ResourceLookup } from '../../../src/lookup/resource-lookup';
import type { CreateNetworkInput } from '../../../src/networks/dto/create-network.input';
import { NetworkPresenter } from '../../../src/networks/network-presenter';
import { NetworksService } from '../../../src/networks/networks.service';
import { gqlCodes, IMAGE } from '../../support/memory-app';
import { hostNetworkOf, MemoryEngine } from '../../support/memory-engine';
import { BOOT_TIMEOUT_MS, startAppOn, type TestApp } from '../../support/test-app';

const ADMIN: Actor = { keyId: 'admin', name: 'admin', role: 'admin', scope: {} };

// Another Switchyard process on the same engine: a networks service with locks of its own.
function serviceOn(engine: MemoryEngine): NetworksService {
  const lookup = new ResourceLookup(engine, new AccessPolicy());
  // Admin calls only: the keys (for scope labels) are never asked.
  const keys = {} as ApiKeysService;
  return new NetworksService(
    engine,
    lookup,
    new NetworkPresenter(lookup),
    new AccessPolicy(),
    loadConfig({}),
    keys,
    new InstanceIdentity('another-instance'),
  );
}

// Lets `n` calls through together, once all of them have arrived.
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let release = () => {};
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    if (++arrived === n) release();
    return all;
  };
}

const codeOf = (error: unknown) => (error as DomainError).code;

// The rules a new network must keep with what exists, through the networks service, on the
// in-memory engine: the engine's host has a LAN on eth0 and two spare interfaces for macvlan.
export function describeNetworkRules(): void {
  describe('network conflicts', () => {
    const host = hostNetworkOf({ eth0: '192.168.7.10/24', 'sy-mv0': null, 'sy-mv1': null });
    const engine = new MemoryEngine({
      apiVersion: '1.45',
      host,
      addressPools: [{ base: '172.30.0.0/23', size: 24 }],
    });
    let t: TestApp;

    const create = (body: Record<string, unknown>) => t.http.post('/api/v1/networks').send(body);
    const subnet = (name: string, cidr: string, extra: Record<string, unknown> = {}) =>
      create({ name, ipam: { config: [{ subnet: cidr }] }, ...extra });
    // The answer, and whether the engine was asked to create anything.
    const attempt = async (body: Record<string, unknown>) => {
      engine.clearCalls();
      const res = await create(body);
      return {
        status: res.status,
        code: res.body.code,
        context: res.body.context,
        created: engine.callsOf('createNetwork').length,
      };
    };

    beforeAll(async () => {
      t = await startAppOn(engine);
      await subnet('net1', '10.80.1.0/24').expect(201);
    }, BOOT_TIMEOUT_MS);
    afterAll(() => t.close());
    beforeEach(() => engine.setApiVersion('1.45'));

    it('refuses a subnet that overlaps another network, the default bridge or the host LAN, before the engine', async () => {
      expect(await attempt({ name: 'over1', ipam: { config: [{ subnet: '10.80.1.128/25' }] } })).toEqual({
        status: 409,
        code: 'SUBNET_OVERLAP',
        context: expect.objectContaining({
          network: 'net1',
          networkSubnet: '10.80.1.0/24',
          subnet: '10.80.1.128/25',
        }),
        created: 0,
      });
      expect(
        await attempt({ name: 'over2', ipam: { config: [{ subnet: '172.17.200.0/24' }] } }),
      ).toMatchObject({
        code: 'SUBNET_OVERLAP',
        context: { network: 'bridge' },
        created: 0,
      });
      expect(
        await attempt({ name: 'over3', ipam: { config: [{ subnet: '192.168.7.0/25' }] } }),
      ).toMatchObject({
        code: 'SUBNET_OVERLAP',
        context: { hostInterface: 'eth0', hostSubnet: '192.168.7.0/24' },
        created: 0,
      });
      // A macvlan network shares its parent's LAN on purpose.
      const lan = await attempt({
        name: 'lan',
        driver: 'macvlan',
        options: { parent: 'sy-mv0' },
        ipam: { config: [{ subnet: '192.168.7.0/24', gateway: '192.168.7.1' }] },
      });
      expect(lan).toMatchObject({ status: 201, created: 1 });
      expect(engine.network('lan')).toMatchObject({ driver: 'macvlan', options: { parent: 'sy-mv0' } });
      expect(engine.allNetworks().map((n) => n.name)).not.toEqual(
        expect.arrayContaining(['over1', 'over2', 'over3']),
      );
    });

    it("ignores the host's LAN where it cannot see the engine's host (a remote engine)", async () => {
      const remote = new MemoryEngine({ host, remote: true });
      const input = {
        name: 'beside-lan',
        ipam: { config: [{ subnet: '192.168.7.0/25' }] },
      } as CreateNetworkInput;
      const created = await serviceOn(remote).create(input, ADMIN);
      expect(created.ipam.config[0].subnet).toBe('192.168.7.0/25');
      expect(remote.network('beside-lan')).toBeDefined();
    });

    it('refuses a taken name and the names of built-in networks, on both transports', async () => {
      expect(await attempt({ name: 'net1', ipam: { config: [{ subnet: '10.80.2.0/24' }] } })).toMatchObject({
        status: 409,
        code: 'NETWORK_NAME_TAKEN',
        context: { name: 'net1', existingId: engine.network('net1')!.id },
        created: 0,
      });
      for (const name of ['bridge', 'host', 'none', 'ingress', 'docker_gwbridge']) {
        expect(await attempt({ name })).toMatchObject({ status: 409, code: 'BUILTIN_NETWORK', created: 0 });
        const res = await t.gql(`mutation { createNetwork(input: { name: "${name}" }) { id } }`);
        expect(gqlCodes(res)).toEqual(['BUILTIN_NETWORK']);
      }
      expect(engine.networksNamed('net1')).toHaveLength(1);
      expect(engine.networksNamed('host')).toHaveLength(1);
    });

    it('gives a parent interface to one macvlan network at a time, and needs the interface on the host', async () => {
      const macvlan = (name: string, parent: string, cidr: string) => ({
        name,
        driver: 'macvlan',
        options: { parent },
        ipam: { config: [{ subnet: cidr }] },
      });
      await create(macvlan('mv-a', 'sy-mv1', '10.80.10.0/24')).expect(201);
      expect(await attempt(macvlan('mv-b', 'sy-mv1', '10.80.11.0/24'))).toMatchObject({
        status: 409,
        code: 'PARENT_INTERFACE_IN_USE',
        context: { parent: 'sy-mv1', network: 'mv-a' },
        created: 0,
      });
      // A VLAN sub-interface of it is another parent; an interface the host lacks is the engine's refusal.
      expect(await attempt(macvlan('mv-vlan', 'sy-mv1.10', '10.80.12.0/24'))).toMatchObject({ status: 201 });
      expect(await attempt(macvlan('mv-none', 'sy-nope', '10.80.13.0/24'))).toMatchObject({
        status: 422,
        code: 'PARENT_INTERFACE_NOT_FOUND',
        created: 1,
      });
      expect(engine.network('mv-none')).toBeUndefined();
    });

    it('keeps bridge interface names unique among networks and host interfaces', async () => {
      const bridgeName = (name: string, bridge: string) => ({
        name,
        options: { 'com.docker.network.bridge.name': bridge },
        ipam: { config: [{ subnet: '10.80.20.0/24' }] },
      });
      const implicit = `br-${engine.network('net1')!.id.slice(0, 12)}`;
      for (const taken of ['docker0', 'eth0', implicit]) {
        expect(await attempt(bridgeName(`br-${taken.length}`, taken))).toMatchObject({
          status: 409,
          code: 'BRIDGE_NAME_TAKEN',
          created: 0,
        });
      }
      expect(await attempt(bridgeName('own-bridge', 'sy-own0'))).toMatchObject({ status: 201 });
    });

    it('answers 422 for a driver the engine does not have or cannot run, before the engine', async () => {
      const overlay = await attempt({ name: 'mesh', driver: 'overlay', attachable: true });
      expect(overlay).toMatchObject({ status: 422, code: 'UNSUPPORTED_BY_ENGINE', created: 0 });
      expect(overlay.context).toEqual({ driver: 'overlay', swarmState: 'inactive' });
      expect(await attempt({ name: 'weave', driver: 'weave' })).toMatchObject({
        status: 422,
        code: 'UNSUPPORTED_BY_ENGINE',
        context: { driver: 'weave' },
        created: 0,
      });
    });

    it('takes a free /24 from the default pools for a network without a subnet, and says when they are used up', async () => {
      const first = await create({ name: 'auto1' }).expect(201);
      const second = await create({ name: 'auto2' }).expect(201);
      expect([first.body.ipam.config[0], second.body.ipam.config[0]]).toEqual([
        expect.objectContaining({ subnet: '172.30.0.0/24', gateway: '172.30.0.1' }),
        expect.objectContaining({ subnet: '172.30.1.0/24', gateway: '172.30.1.1' }),
      ]);
      expect(await attempt({ name: 'auto3' })).toMatchObject({
        status: 409,
        code: 'ADDRESS_POOLS_EXHAUSTED',
      });
      expect(engine.network('auto3')).toBeUndefined();
    });

    describe('racing creates of one name', () => {
      const racers = 5;
      const input = (name: string, i: number) =>
        ({ name, ipam: { config: [{ subnet: `10.81.${i}.0/24` }] } }) as CreateNetworkInput;

      it('in one process: one wins, the others are 409 before the engine (API 1.41)', async () => {
        engine.setApiVersion('1.41');
        engine.clearCalls();
        const answers = await Promise.all(
          Array.from({ length: racers }, (_, i) =>
            create({ name: 'race-local', ipam: { config: [{ subnet: `10.82.${i}.0/24` }] } }),
          ),
        );
        expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409]);
        expect(
          answers.filter((a) => a.status === 409).every((a) => a.body.code === 'NETWORK_NAME_TAKEN'),
        ).toBe(true);
        expect(engine.networksNamed('race-local')).toHaveLength(1);
        expect(engine.callsOf('createNetwork')).toHaveLength(1);
      });

      it('from several processes on an engine that allows duplicate names (API 1.41): exactly one survives', async () => {
        engine.setApiVersion('1.41');
        engine.clearCalls();
        // Every process passes its own checks before any of them creates: the engine makes copies.
        engine.beforeNext('createNetwork', barrier(racers), racers);
        const results = await Promise.allSettled(
          Array.from({ length: racers }, (_, i) => serviceOn(engine).create(input('race', i), ADMIN)),
        );
        const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        const lost = results.flatMap((r) => (r.status === 'rejected' ? [codeOf(r.reason)] : []));
        expect(won).toHaveLength(1);
        expect(lost).toEqual(Array.from({ length: racers - 1 }, () => 'NETWORK_NAME_TAKEN'));
        // The copies were made and each loser removed its own; the oldest kept the name.
        expect(engine.callsOf('createNetwork')).toHaveLength(racers);
        expect(engine.callsOf('removeNetwork')).toHaveLength(racers - 1);
        expect(engine.networksNamed('race').map((n) => n.id)).toEqual([won[0].id]);
      });

      it('from several processes on an engine that refuses duplicate names (API 1.45): the engine decides', async () => {
        engine.clearCalls();
        engine.beforeNext('createNetwork', barrier(racers), racers);
        const results = await Promise.allSettled(
          Array.from({ length: racers }, (_, i) =>
            serviceOn(engine).create(input('race-new', 20 + i), ADMIN),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(results.flatMap((r) => (r.status === 'rejected' ? [codeOf(r.reason)] : []))).toEqual(
          Array.from({ length: racers - 1 }, () => 'NETWORK_NAME_TAKEN'),
        );
        expect(engine.callsOf('removeNetwork')).toHaveLength(0);
        expect(engine.networksNamed('race-new')).toHaveLength(1);
      });
    });

    describe('removing and pruning', () => {
      it('refuses to remove a network with running containers, naming them', async () => {
        await subnet('busy', '10.80.30.0/24').expect(201);
        await t.http
          .post('/api/v1/containers')
          .send({
            name: 'busy-box',
            image: IMAGE,
            command: ['sleep', '3600'],
            networks: [{ network: 'busy' }],
          })
          .expect(201);
        engine.clearCalls();
        const res = await t.http.delete('/api/v1/networks/busy').expect(409);
        expect(res.body).toMatchObject({
          code: 'NETWORK_IN_USE',
          context: { network: 'busy', containers: ['busy-box'] },
        });
        expect(engine.changes()).toEqual([]);
        await t.http.post('/api/v1/containers/busy-box/stop').expect(200);
        // Stopped, it still refers to the network (it could not start without it).
        const stopped = await t.http.delete('/api/v1/networks/busy').expect(409);
        expect(stopped.body).toMatchObject({
          code: 'NETWORK_IN_USE',
          context: { network: 'busy', containers: ['busy-box'], states: ['exited'] },
        });
        expect(stopped.body.detail).toContain('busy-box (exited)');
        await t.http.delete('/api/v1/containers/busy-box').expect(204);
        await t.http.delete('/api/v1/networks/busy').expect(204);
        expect(engine.network('busy')).toBeUndefined();
      });

      it('prunes only unused networks that Switchyard made, unless an admin asks for all', async () => {
        await subnet('unused', '10.80.40.0/24').expect(201);
        await subnet('used', '10.80.42.0/24').expect(201);
        await t.http
          .post('/api/v1/containers')
          .send({ name: 'user', image: IMAGE, command: ['sleep', '3600'], networks: [{ network: 'used' }] })
          .expect(201);
        await engine.createNetwork({
          name: 'cli-made',
          driver: 'bridge',
          internal: false,
          attachable: false,
          enableIPv6: false,
          ipam: { driver: 'default', config: [{ subnet: '10.80.41.0/24' }], options: {} },
          options: {},
          labels: {},
        });
        const pruned = await t.http.post('/api/v1/networks/prune').expect(200);
        expect(pruned.body.removed).toContain('unused');
        expect(pruned.body.removed).not.toContain('cli-made');
        expect(pruned.body.removed).not.toContain('used');
        expect(engine.network('used')).toBeDefined();
        const all = await t.http.post('/api/v1/networks/prune').send({ all: true }).expect(200);
        expect(all.body.removed).toContain('cli-made');
        expect(engine.network('cli-made')).toBeUndefined();
        expect(engine.network('bridge')).toBeDefined();
      });
    });
  });
}
