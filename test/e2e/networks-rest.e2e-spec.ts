import { startApp, type TestApp } from '../support/app';
import { HOST_TEST_SUBNET, TEST_LABEL } from '../support/constants';
import {
  cleanupEngine,
  containerEndpoint,
  docker,
  findNetworks,
  inspectNetwork,
  runContainer,
} from '../support/engine';
import { FEATURES } from '../support/engines';
import { runPrefix } from '../support/names';

// Subnets of this file: 10.201.0.0/16.
describe('networks over REST, against the real engine', () => {
  const p = runPrefix('netrest');
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  const create = (body: Record<string, unknown>) => t.http.post('/api/v1/networks').send(body);

  describe('create', () => {
    it('creates a bridge network with full IPAM, options and labels, and answers it as inspected', async () => {
      const res = await create({
        name: `${p}full`,
        ipam: {
          config: [
            {
              subnet: '10.201.1.0/24',
              gateway: '10.201.1.1',
              ipRange: '10.201.1.128/25',
              auxAddresses: { router: '10.201.1.254' },
            },
          ],
        },
        options: { 'com.docker.network.driver.mtu': '1400' },
        labels: { team: 'a', [TEST_LABEL]: '1' },
        internal: true,
      }).expect(201);
      expect(res.body).toMatchObject({
        name: `${p}full`,
        driver: 'bridge',
        scope: 'local',
        internal: true,
        attachable: false,
        ingress: false,
        enableIPv6: false,
        builtIn: false,
        containers: [],
        ipam: {
          driver: 'default',
          config: [
            {
              subnet: '10.201.1.0/24',
              gateway: '10.201.1.1',
              ipRange: '10.201.1.128/25',
              auxAddresses: { router: '10.201.1.254' },
            },
          ],
        },
        labels: { team: 'a', 'io.switchyard.managed': 'true' },
        options: { 'com.docker.network.driver.mtu': '1400' },
      });
      expect(new Date(res.body.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

      const engine = await inspectNetwork(`${p}full`);
      expect(engine.Id).toBe(res.body.id);
      expect(engine.Internal).toBe(true);
      expect(engine.IPAM?.Config?.[0]).toMatchObject({
        Subnet: '10.201.1.0/24',
        Gateway: '10.201.1.1',
        IPRange: '10.201.1.128/25',
      });
      expect(engine.Labels).toMatchObject({ team: 'a', 'io.switchyard.managed': 'true' });
      expect(engine.Options).toMatchObject({ 'com.docker.network.driver.mtu': '1400' });
    });

    it('creates with only a name (the engine picks a subnet)', async () => {
      const res = await create({ name: `${p}auto` }).expect(201);
      expect(res.body.ipam.config[0].subnet).toMatch(/\/\d+$/);
      expect((await findNetworks(`${p}auto`)).length).toBe(1);
      await t.http.delete(`/api/v1/networks/${p}auto`).expect(204);
    });

    it('refuses invalid input with field errors and never calls the engine', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ name: 'a/../x' }, 'name'],
        [{ name: `${p}bad1`, ipam: { config: [{ subnet: '10.201.2.0/33' }] } }, 'ipam.config.0.subnet'],
        [{ name: `${p}bad2`, ipam: { config: [{ subnet: '10.201.2.7/24' }] } }, 'ipam.config.0.subnet'],
        [
          { name: `${p}bad3`, ipam: { config: [{ subnet: '10.201.2.0/24', gateway: '10.201.3.1' }] } },
          'ipam.config.0.gateway',
        ],
        [
          { name: `${p}bad4`, ipam: { config: [{ subnet: '10.201.2.0/24', ipRange: '10.201.3.0/25' }] } },
          'ipam.config.0.ipRange',
        ],
        [{ name: `${p}bad5`, ipam: { config: [{ subnet: 'fd00:201::/64' }] } }, 'ipam.config.0.subnet'],
        [
          { name: `${p}bad6`, driver: 'bridge', options: { 'com.docker.network.driver.mtu': 'big' } },
          'options.com.docker.network.driver.mtu',
        ],
        [{ name: `${p}bad7`, surprise: true }, 'surprise'],
      ];
      for (const [body, field] of cases) {
        const res = await create(body).expect(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body.code).toBe('VALIDATION_FAILED');
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
      const nested = await create({
        name: `${p}bad8`,
        subnet: '10.201.2.0/24',
        ipam: { config: [{ cidr: 'x' }] },
      }).expect(400);
      expect(nested.body.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            field: 'subnet',
            message: expect.stringMatching(
              /^subnet is not a field of this request.*accepted here: .*ipam.*name/,
            ),
          }),
          expect.objectContaining({
            field: 'ipam.config.0.cidr',
            message: expect.stringMatching(/accepted here: auxAddresses, gateway, ipRange, subnet\)$/),
          }),
        ]),
      );
      const names = (await docker.listNetworks()).map((n) => n.Name);
      expect(names.filter((n) => n.startsWith(`${p}bad`) || n === 'a/../x')).toEqual([]);
    });

    it('answers NETWORK_NAME_TAKEN for a taken name', async () => {
      await create({ name: `${p}taken` }).expect(201);
      const res = await create({ name: `${p}taken` }).expect(409);
      expect(res.body.code).toBe('NETWORK_NAME_TAKEN');
      expect(res.body.detail).toContain(`${p}taken`);
      expect((await findNetworks(`${p}taken`)).length).toBe(1);
    });

    // Engines without unique network names would create all 8: only Switchyard stops the others.
    it('lets exactly one of 8 racing creates of one name win', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => create({ name: `${p}race` })));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
      expect(results.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(
        Array.from({ length: 7 }, () => 'NETWORK_NAME_TAKEN'),
      );
      expect((await findNetworks(`${p}race`)).length).toBe(1);
    });

    it('keeps the older network when another writer created a duplicate behind its back', async () => {
      // The docker CLI or another client creates the name first; engines without unique network
      // names would allow a second.
      await docker.createNetwork({
        Name: `${p}outside`,
        CheckDuplicate: false,
        Labels: { [TEST_LABEL]: '1' },
      });
      const res = await create({ name: `${p}outside` }).expect(409);
      expect(res.body.code).toBe('NETWORK_NAME_TAKEN');
      const left = await findNetworks(`${p}outside`);
      expect(left.length).toBe(1);
      expect(left[0].Labels?.['io.switchyard.managed']).toBeUndefined();
    });

    it('answers SUBNET_OVERLAP naming the other network', async () => {
      await create({ name: `${p}ovl-a`, ipam: { config: [{ subnet: '10.201.10.0/24' }] } }).expect(201);
      const res = await create({
        name: `${p}ovl-b`,
        ipam: { config: [{ subnet: '10.201.10.128/25' }] },
      }).expect(409);
      expect(res.body.code).toBe('SUBNET_OVERLAP');
      expect(res.body.detail).toContain(`${p}ovl-a`);
      expect(res.body.context).toMatchObject({ network: `${p}ovl-a`, networkSubnet: '10.201.10.0/24' });
      expect(await findNetworks(`${p}ovl-b`)).toEqual([]);
    });

    it('refuses a bridge on a subnet of a host interface', async () => {
      const res = await create({
        name: `${p}hostlan`,
        ipam: { config: [{ subnet: HOST_TEST_SUBNET }] },
      }).expect(409);
      expect(res.body.code).toBe('SUBNET_OVERLAP');
      expect(res.body.detail).toContain('sy-veth1');
      expect(await findNetworks(`${p}hostlan`)).toEqual([]);
    });

    it('refuses a bridge interface name that another network or the host already uses', async () => {
      const docker0 = await create({
        name: `${p}br0`,
        options: { 'com.docker.network.bridge.name': 'docker0' },
      }).expect(409);
      expect(docker0.body.code).toBe('BRIDGE_NAME_TAKEN');
      expect(docker0.body.detail).toContain('"bridge"');
      const hostIf = await create({
        name: `${p}br1`,
        options: { 'com.docker.network.bridge.name': 'sy-veth1' },
      }).expect(409);
      expect(hostIf.body.code).toBe('BRIDGE_NAME_TAKEN');
      expect(await findNetworks(`${p}br0`)).toEqual([]);
      expect(await findNetworks(`${p}br1`)).toEqual([]);
      const own = await create({
        name: `${p}br2`,
        options: { 'com.docker.network.bridge.name': 'sy-br2' },
      }).expect(201);
      expect(own.body.options['com.docker.network.bridge.name']).toBe('sy-br2');
      const again = await create({
        name: `${p}br3`,
        options: { 'com.docker.network.bridge.name': 'sy-br2' },
      }).expect(409);
      expect(again.body.code).toBe('BRIDGE_NAME_TAKEN');
    });

    it('reserves the names of Docker built-in networks', async () => {
      const res = await create({ name: 'docker_gwbridge' }).expect(409);
      expect(res.body.code).toBe('BUILTIN_NETWORK');
    });
  });

  describe('list and inspect', () => {
    it('lists with filters and marks built-in networks', async () => {
      await create({
        name: `${p}lst-a`,
        labels: { tier: `${p}web`, [TEST_LABEL]: '1' },
        ipam: { config: [{ subnet: '10.201.20.0/24' }] },
      }).expect(201);
      await create({
        name: `${p}lst-b`,
        labels: { tier: `${p}db`, [TEST_LABEL]: '1' },
        ipam: { config: [{ subnet: '10.201.21.0/24' }] },
      }).expect(201);

      const all = await t.http.get('/api/v1/networks').expect(200);
      const names = all.body.items.map((n: { name: string }) => n.name);
      expect(names).toEqual(expect.arrayContaining(['bridge', 'host', 'none', `${p}lst-a`, `${p}lst-b`]));
      const builtIn = Object.fromEntries(
        all.body.items.map((n: { name: string; builtIn: boolean }) => [n.name, n.builtIn]),
      );
      expect(builtIn).toMatchObject({ bridge: true, host: true, none: true, [`${p}lst-a`]: false });

      const byLabel = await t.http
        .get('/api/v1/networks')
        .query({ label: `tier=${p}web` })
        .expect(200);
      expect(byLabel.body.items.map((n: { name: string }) => n.name)).toEqual([`${p}lst-a`]);
      const byTwoLabels = await t.http
        .get(`/api/v1/networks?label=tier=${p}db&label=${TEST_LABEL}`)
        .expect(200);
      expect(byTwoLabels.body.items.map((n: { name: string }) => n.name)).toEqual([`${p}lst-b`]);
      const byName = await t.http
        .get('/api/v1/networks')
        .query({ name: `${p}lst` })
        .expect(200);
      expect(byName.body.items).toEqual([]); // exact, not substring
      const byDriver = await t.http.get('/api/v1/networks').query({ driver: 'host' }).expect(200);
      expect(byDriver.body.items.map((n: { name: string }) => n.name)).toEqual(['host']);
      // The test engines run in swarm mode, so there is at least the ingress network.
      const byScope = await t.http.get('/api/v1/networks').query({ scope: 'swarm' }).expect(200);
      const scopes = byScope.body.items.map((n: { scope: string }) => n.scope);
      expect(new Set(scopes)).toEqual(new Set(['swarm']));
      const badScope = await t.http.get('/api/v1/networks').query({ scope: 'planet' }).expect(400);
      expect(badScope.body.code).toBe('VALIDATION_FAILED');
    });

    it('inspects by name, full id and short id, with attached containers and aliases', async () => {
      const net = await create({ name: `${p}insp`, ipam: { config: [{ subnet: '10.201.30.0/24' }] } }).expect(
        201,
      );
      await runContainer(`${p}insp-c1`, { network: `${p}insp`, ipv4Address: '10.201.30.10' });

      for (const ref of [`${p}insp`, net.body.id, net.body.id.slice(0, 12)]) {
        const res = await t.http.get(`/api/v1/networks/${ref}`).expect(200);
        expect(res.body.id).toBe(net.body.id);
        expect(res.body.containers).toHaveLength(1);
        expect(res.body.containers[0]).toMatchObject({ name: `${p}insp-c1`, ipv4Address: '10.201.30.10' });
        expect(res.body.containers[0].macAddress).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
        expect(Array.isArray(res.body.containers[0].aliases)).toBe(true);
      }
      const missing = await t.http.get(`/api/v1/networks/${p}nope`).expect(404);
      expect(missing.body.code).toBe('NETWORK_NOT_FOUND');
      const tooLong = await t.http.get(`/api/v1/networks/${'x'.repeat(3000)}`).expect(414);
      expect(tooLong.headers['content-type']).toContain('application/problem+json');
      expect(tooLong.body.code).toBe('URI_TOO_LONG');
    });

    it("answers AMBIGUOUS_REFERENCE when a reference is one network's name and another's id prefix", async () => {
      const first = await create({ name: `${p}amb`, labels: { [TEST_LABEL]: '1' } }).expect(201);
      const prefix = first.body.id.slice(0, 12);
      // A network whose name is the other one's short id.
      await docker.createNetwork({ Name: prefix, Labels: { [TEST_LABEL]: p } });
      const res = await t.http.get(`/api/v1/networks/${prefix}`).expect(409);
      expect(res.body.code).toBe('AMBIGUOUS_REFERENCE');
      expect(res.body.context.candidates).toHaveLength(2);
      await t.http.delete(`/api/v1/networks/${prefix}`).expect(409);
      expect(await findNetworks(`${p}amb`)).toHaveLength(1);
    });

    if (FEATURES.uniqueNetworkNames) {
      it('meets an engine that refuses a second network with a taken name itself', async () => {
        await docker.createNetwork({ Name: `${p}twin`, Labels: { [TEST_LABEL]: '1' } });
        await expect(
          docker.createNetwork({ Name: `${p}twin`, CheckDuplicate: false, Labels: { [TEST_LABEL]: '1' } }),
        ).rejects.toMatchObject({ statusCode: 409 });
        const res = await t.http.get(`/api/v1/networks/${p}twin`).expect(200);
        expect(res.body.name).toBe(`${p}twin`);
      });
    } else {
      it('answers AMBIGUOUS_REFERENCE for two networks with one name, which this engine allows', async () => {
        await docker.createNetwork({
          Name: `${p}twin`,
          CheckDuplicate: false,
          Labels: { [TEST_LABEL]: '1' },
        });
        await docker.createNetwork({
          Name: `${p}twin`,
          CheckDuplicate: false,
          Labels: { [TEST_LABEL]: '1' },
        });
        const twin = await t.http.delete(`/api/v1/networks/${p}twin`).expect(409);
        expect(twin.body.code).toBe('AMBIGUOUS_REFERENCE');
        expect((await findNetworks(`${p}twin`)).length).toBe(2);
      });
    }
  });

  describe('remove and prune', () => {
    it('removes by name and by id', async () => {
      const a = await create({ name: `${p}rm-a` }).expect(201);
      await create({ name: `${p}rm-b` }).expect(201);
      await t.http.delete(`/api/v1/networks/${p}rm-b`).expect(204);
      await t.http.delete(`/api/v1/networks/${a.body.id}`).expect(204);
      expect(await findNetworks(`${p}rm-a`)).toEqual([]);
      expect(await findNetworks(`${p}rm-b`)).toEqual([]);
      const again = await t.http.delete(`/api/v1/networks/${p}rm-a`).expect(404);
      expect(again.body.code).toBe('NETWORK_NOT_FOUND');
    });

    it('refuses to remove built-in networks', async () => {
      for (const name of ['bridge', 'host', 'none']) {
        const res = await t.http.delete(`/api/v1/networks/${name}`).expect(409);
        expect(res.body.code).toBe('BUILTIN_NETWORK');
        expect((await findNetworks(name)).length).toBe(1);
      }
    });

    it('refuses to remove a network in use, naming the containers', async () => {
      await create({ name: `${p}busy`, ipam: { config: [{ subnet: '10.201.40.0/24' }] } }).expect(201);
      await runContainer(`${p}busy-c1`, { network: `${p}busy` });
      const res = await t.http.delete(`/api/v1/networks/${p}busy`).expect(409);
      expect(res.body.code).toBe('NETWORK_IN_USE');
      expect(res.body.context.containers).toEqual([`${p}busy-c1`]);
      expect((await findNetworks(`${p}busy`)).length).toBe(1);
    });

    it('prunes unused networks that Switchyard created, and others only when asked', async () => {
      await create({ name: `${p}prune-mine`, labels: { prunetest: p } }).expect(201);
      await docker.createNetwork({ Name: `${p}prune-foreign`, Labels: { [TEST_LABEL]: '1', prunetest: p } });
      const res = await t.http
        .post('/api/v1/networks/prune')
        .send({ labels: [`prunetest=${p}`] })
        .expect(200);
      expect(res.body.removed).toEqual([`${p}prune-mine`]);
      expect(await findNetworks(`${p}prune-mine`)).toEqual([]);
      expect((await findNetworks(`${p}prune-foreign`)).length).toBe(1);
      const all = await t.http
        .post('/api/v1/networks/prune')
        .send({ all: true, labels: [`prunetest=${p}`] })
        .expect(200);
      expect(all.body.removed).toEqual([`${p}prune-foreign`]);
      expect(await findNetworks(`${p}prune-foreign`)).toEqual([]);
      // An empty body with a JSON content type is fine for a body-less action.
      // (With a key scoped to this test's label, so that other test files' networks are safe.)
      const scoped = await t.http
        .post('/api/v1/api-keys')
        .send({ name: `${p}pruner`, role: 'operator', scope: { prunetest: p } })
        .expect(201);
      await t
        .as(scoped.body.key)
        .post('/api/v1/networks/prune')
        .set('content-type', 'application/json')
        .expect(200);
      // The engine refuses a second prune while one runs; Switchyard queues them.
      const together = await Promise.all(
        [1, 2, 3, 4].map(() => t.http.post('/api/v1/networks/prune').send({ labels: [`prunetest=${p}`] })),
      );
      expect(together.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    });
  });

  describe('connect and disconnect', () => {
    const connect = (network: string, body: Record<string, unknown>) =>
      t.http.post(`/api/v1/networks/${network}/connections`).send(body);

    // Read-only fixtures: a network where a container holds 10.201.50.10, and a running container
    // that the refusals below must leave unconnected. Tests that connect make their own.
    beforeAll(async () => {
      await create({
        name: `${p}conn`,
        ipam: { config: [{ subnet: '10.201.50.0/24', gateway: '10.201.50.1' }] },
      }).expect(201);
      await runContainer(`${p}conn-holder`);
      await docker.getNetwork(`${p}conn`).connect({
        Container: `${p}conn-holder`,
        EndpointConfig: { IPAMConfig: { IPv4Address: '10.201.50.10' } },
      });
      await runContainer(`${p}conn-c2`);
    });

    it('connects with a chosen IPv4 address and aliases, verified on the engine', async () => {
      await create({ name: `${p}conn-ip`, ipam: { config: [{ subnet: '10.201.51.0/24' }] } }).expect(201);
      await runContainer(`${p}conn-ip-c`);
      const res = await connect(`${p}conn-ip`, {
        container: `${p}conn-ip-c`,
        ipv4Address: '10.201.51.10',
        aliases: ['db', 'primary'],
      }).expect(201);
      expect(res.body).toMatchObject({
        network: `${p}conn-ip`,
        container: `${p}conn-ip-c`,
        ipv4Address: '10.201.51.10',
        aliases: expect.arrayContaining(['db', 'primary']),
      });
      const endpoint = await containerEndpoint(`${p}conn-ip-c`, `${p}conn-ip`);
      expect(endpoint?.IPAddress).toBe('10.201.51.10');
      expect(endpoint?.Aliases).toEqual(expect.arrayContaining(['db', 'primary']));
      const net = await t.http.get(`/api/v1/networks/${p}conn-ip`).expect(200);
      expect(net.body.containers).toEqual([
        expect.objectContaining({
          name: `${p}conn-ip-c`,
          ipv4Address: '10.201.51.10',
          aliases: expect.arrayContaining(['db']),
        }),
      ]);
    });

    it('records a chosen address for a stopped container, applied when it starts', async () => {
      await create({ name: `${p}conn-st`, ipam: { config: [{ subnet: '10.201.52.0/24' }] } }).expect(201);
      await runContainer(`${p}conn-st-c`, { start: false });
      const res = await connect(`${p}conn-st`, {
        container: `${p}conn-st-c`,
        ipv4Address: '10.201.52.30',
      }).expect(201);
      expect(res.body.ipv4Address).toBeNull();
      await docker.getContainer(`${p}conn-st-c`).start();
      expect((await containerEndpoint(`${p}conn-st-c`, `${p}conn-st`))?.IPAddress).toBe('10.201.52.30');
    });

    it('refuses addresses outside the subnet, in use, or the gateway', async () => {
      const outside = await connect(`${p}conn`, {
        container: `${p}conn-c2`,
        ipv4Address: '10.201.99.5',
      }).expect(400);
      expect(outside.body.code).toBe('ADDRESS_OUTSIDE_SUBNET');
      const used = await connect(`${p}conn`, {
        container: `${p}conn-c2`,
        ipv4Address: '10.201.50.10',
      }).expect(409);
      expect(used.body.code).toBe('ADDRESS_IN_USE');
      expect(used.body.detail).toContain(`${p}conn-holder`);
      const gateway = await connect(`${p}conn`, {
        container: `${p}conn-c2`,
        ipv4Address: '10.201.50.1',
      }).expect(409);
      expect(gateway.body.code).toBe('ADDRESS_IN_USE');
      expect(await containerEndpoint(`${p}conn-c2`, `${p}conn`)).toBeNull();
    });

    // A MAC address Docker never derives itself (its own are 02:42 followed by the IPv4 address).
    const mac = '02:5e:0a:c9:32:63';
    if (FEATURES.macAddressOnConnect) {
      it('connects with a chosen MAC address, verified on the engine', async () => {
        await create({ name: `${p}conn-mac`, ipam: { config: [{ subnet: '10.201.54.0/24' }] } }).expect(201);
        await runContainer(`${p}conn-mac-c`);
        const res = await connect(`${p}conn-mac`, { container: `${p}conn-mac-c`, macAddress: mac }).expect(
          201,
        );
        expect(res.body.macAddress).toBe(mac);
        expect((await containerEndpoint(`${p}conn-mac-c`, `${p}conn-mac`))?.MacAddress).toBe(mac);
      });
    } else {
      it('answers 422 for a MAC address on connect, which this engine ignores, and connects nothing', async () => {
        const res = await connect(`${p}conn`, { container: `${p}conn-c2`, macAddress: mac }).expect(422);
        expect(res.body.code).toBe('UNSUPPORTED_BY_ENGINE');
        expect(res.body.detail).toContain('1.54');
        expect(await containerEndpoint(`${p}conn-c2`, `${p}conn`)).toBeNull();
      });
    }

    it('answers ALREADY_CONNECTED, CONTAINER_NOT_FOUND and BUILTIN_NETWORK', async () => {
      const again = await connect(`${p}conn`, { container: `${p}conn-holder` }).expect(409);
      expect(again.body.code).toBe('ALREADY_CONNECTED');
      const ghost = await connect(`${p}conn`, { container: `${p}ghost` }).expect(404);
      expect(ghost.body.code).toBe('CONTAINER_NOT_FOUND');
      const host = await connect('host', { container: `${p}conn-c2` }).expect(409);
      expect(host.body.code).toBe('BUILTIN_NETWORK');
      const noNet = await connect(`${p}nonet`, { container: `${p}conn-c2` }).expect(404);
      expect(noNet.body.code).toBe('NETWORK_NOT_FOUND');
      const badBody = await connect(`${p}conn`, { container: `${p}conn-c2`, ipv4Address: 'fd00::1' }).expect(
        400,
      );
      expect(badBody.body.errors[0].field).toBe('ipv4Address');
      expect(await containerEndpoint(`${p}conn-c2`, `${p}conn`)).toBeNull();
    });

    it('maps the engine refusing a fixed address on a network without a configured subnet', async () => {
      await create({ name: `${p}nosubnet` }).expect(201);
      const net = await inspectNetwork(`${p}nosubnet`);
      const subnet = net.IPAM!.Config![0].Subnet!;
      const address = subnet.replace(/\.0\/\d+$/, '.77');
      const res = await connect(`${p}nosubnet`, { container: `${p}conn-c2`, ipv4Address: address }).expect(
        409,
      );
      expect(res.body.code).toBe('ADDRESS_NOT_ASSIGNABLE');
      expect(await containerEndpoint(`${p}conn-c2`, `${p}nosubnet`)).toBeNull();
    });

    it('disconnects, and answers CONNECTION_NOT_FOUND when not connected', async () => {
      await create({ name: `${p}conn-dc`, ipam: { config: [{ subnet: '10.201.53.0/24' }] } }).expect(201);
      for (const name of [`${p}conn-dc-a`, `${p}conn-dc-b`]) {
        await runContainer(name);
        await docker.getNetwork(`${p}conn-dc`).connect({ Container: name });
      }
      await t.http.delete(`/api/v1/networks/${p}conn-dc/connections/${p}conn-dc-a`).expect(204);
      expect(await containerEndpoint(`${p}conn-dc-a`, `${p}conn-dc`)).toBeNull();
      const res = await t.http.delete(`/api/v1/networks/${p}conn-dc/connections/${p}conn-dc-a`).expect(404);
      expect(res.body.code).toBe('CONNECTION_NOT_FOUND');
      await t.http.delete(`/api/v1/networks/${p}conn-dc/connections/${p}conn-dc-b?force=true`).expect(204);
      expect(await containerEndpoint(`${p}conn-dc-b`, `${p}conn-dc`)).toBeNull();
      const badForce = await t.http
        .delete(`/api/v1/networks/${p}conn-dc/connections/${p}conn-dc-a?force=maybe`)
        .expect(400);
      expect(badForce.body.code).toBe('VALIDATION_FAILED');
    });
  });
});
