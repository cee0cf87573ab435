import { startApp, type TestApp } from '../support/app';
import { MACVLAN_PARENTS } from '../support/constants';
import { BARE_ENGINE_HOST } from '../support/engines';
import {
  cleanupEngine,
  containerEndpoint,
  docker,
  execIn,
  findNetworks,
  inspectNetwork,
  runContainer,
} from '../support/engine';
import { runPrefix } from '../support/names';

// Subnets of this file: 10.203.0.0/16.
const MACVLAN_PARENT = MACVLAN_PARENTS.drivers;

describe('network drivers this kernel supports, and clear answers for what it does not', () => {
  const p = runPrefix('drivers');
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  // The macvlan parent holds one network at a time: every test starts with it free.
  afterEach(async () => {
    await cleanupEngine(p);
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  const create = (body: Record<string, unknown>) => t.http.post('/api/v1/networks').send(body);

  it('creates an attachable overlay network on the single-node swarm and connects a plain container', async () => {
    const res = await create({
      name: `${p}ovl`,
      driver: 'overlay',
      attachable: true,
      ipam: { config: [{ subnet: '10.203.1.0/24' }] },
    }).expect(201);
    expect(res.body).toMatchObject({ driver: 'overlay', scope: 'swarm', attachable: true });
    const engine = await inspectNetwork(`${p}ovl`);
    expect(engine).toMatchObject({ Driver: 'overlay', Scope: 'swarm', Attachable: true });

    await runContainer(`${p}ovl-c1`);
    const conn = await t.http
      .post(`/api/v1/networks/${p}ovl/connections`)
      .send({ container: `${p}ovl-c1`, ipv4Address: '10.203.1.20', aliases: ['svc'] })
      .expect(201);
    expect(conn.body.ipv4Address).toBe('10.203.1.20');
    expect((await containerEndpoint(`${p}ovl-c1`, `${p}ovl`))?.IPAddress).toBe('10.203.1.20');
    const listed = await t.http.get(`/api/v1/networks/${p}ovl`).expect(200);
    expect(listed.body.containers.map((c: { name: string }) => c.name)).toEqual([`${p}ovl-c1`]);
  });

  it('answers an overlay network as the swarm allocated it, never half made (driver and subnet), on every create', async () => {
    // Right after a create the engine shows a swarm network without driver and subnet for a
    // moment (about one inspect in three here): each answer must still be complete.
    const answers = [];
    for (let i = 0; i < 20; i++) {
      const res = await create({
        name: `${p}ovl-burst${i}`,
        driver: 'overlay',
        attachable: true,
        ipam: { config: [{ subnet: `10.203.${20 + i}.0/24` }] },
      }).expect(201);
      answers.push([res.body.driver, res.body.scope, res.body.ipam.config[0]?.subnet]);
    }
    expect(answers).toEqual(
      Array.from({ length: 20 }, (_, i) => ['overlay', 'swarm', `10.203.${20 + i}.0/24`]),
    );
  });

  it('creates a macvlan network on a veth parent, where a container gets the chosen IP', async () => {
    const res = await create({
      name: `${p}mv`,
      driver: 'macvlan',
      options: { parent: MACVLAN_PARENT, macvlan_mode: 'bridge' },
      ipam: { config: [{ subnet: '10.203.2.0/24', gateway: '10.203.2.1' }] },
    }).expect(201);
    expect(res.body).toMatchObject({
      driver: 'macvlan',
      options: { parent: MACVLAN_PARENT, macvlan_mode: 'bridge' },
    });
    expect((await inspectNetwork(`${p}mv`)).Options).toMatchObject({ parent: MACVLAN_PARENT });

    await runContainer(`${p}mv-c1`);
    await t.http
      .post(`/api/v1/networks/${p}mv/connections`)
      .send({ container: `${p}mv-c1`, ipv4Address: '10.203.2.50' })
      .expect(201);
    expect((await containerEndpoint(`${p}mv-c1`, `${p}mv`))?.IPAddress).toBe('10.203.2.50');
    const inside = await execIn(`${p}mv-c1`, ['ip', '-4', 'addr']);
    expect(inside.output).toContain('10.203.2.50/24');
  });

  it('answers PARENT_INTERFACE_IN_USE for a second macvlan network on the same parent', async () => {
    await create({
      name: `${p}mv-first`,
      driver: 'macvlan',
      options: { parent: MACVLAN_PARENT },
      ipam: { config: [{ subnet: '10.203.7.0/24' }] },
    }).expect(201);
    const res = await create({
      name: `${p}mv-second`,
      driver: 'macvlan',
      options: { parent: MACVLAN_PARENT },
      ipam: { config: [{ subnet: '10.203.6.0/24' }] },
    }).expect(409);
    expect(res.body.code).toBe('PARENT_INTERFACE_IN_USE');
    expect(res.body.detail).toContain(`${p}mv-first`);
    expect(await findNetworks(`${p}mv-second`)).toEqual([]);
  });

  it('answers PARENT_INTERFACE_NOT_FOUND for a macvlan parent that does not exist', async () => {
    const res = await create({
      name: `${p}mv-ghost`,
      driver: 'macvlan',
      options: { parent: 'syghost0' },
      ipam: { config: [{ subnet: '10.203.3.0/24' }] },
    }).expect(422);
    expect(res.body.code).toBe('PARENT_INTERFACE_NOT_FOUND');
    expect(res.body.detail).toContain('syghost0');
    expect(await findNetworks(`${p}mv-ghost`)).toEqual([]);
  });

  it('answers UNSUPPORTED_BY_ENGINE for a VLAN parent on a kernel without 802.1q', async () => {
    const res = await create({
      name: `${p}mv-vlan`,
      driver: 'macvlan',
      options: { parent: `${MACVLAN_PARENT}.10` },
      ipam: { config: [{ subnet: '10.203.4.0/24' }] },
    }).expect(422);
    // The parent exists; the kernel cannot make the VLAN link on it.
    expect(res.body.code).toBe('UNSUPPORTED_BY_ENGINE');
    expect(res.body.detail).toContain('not supported');
    expect(await findNetworks(`${p}mv-vlan`)).toEqual([]);
  });

  // Both engines (20.10 and 26.1) keep a stale endpoint record in the running container's settings
  // after the failed attach, and refuse to disconnect it while the container runs.
  it('creates an ipvlan network, answers 422 when the kernel cannot attach a container, and says how to clear the stale record the engine keeps', async () => {
    await create({
      name: `${p}ipv`,
      driver: 'ipvlan',
      options: { parent: MACVLAN_PARENT, ipvlan_mode: 'l2' },
      ipam: { config: [{ subnet: '10.203.5.0/24' }] },
    }).expect(201);
    await runContainer(`${p}ipv-c1`);
    const res = await t.http
      .post(`/api/v1/networks/${p}ipv/connections`)
      .send({ container: `${p}ipv-c1` })
      .expect(422);
    expect(res.body.code).toBe('UNSUPPORTED_BY_ENGINE');
    expect(res.body.detail).toContain('ipvlan');
    // No endpoint exists on the network, but the container's settings name it.
    expect(Object.keys((await inspectNetwork(`${p}ipv`)).Containers ?? {})).toEqual([]);
    expect(await containerEndpoint(`${p}ipv-c1`, `${p}ipv`)).not.toBeNull();
    expect(res.body.context).toMatchObject({ driver: 'ipvlan', staleRecord: true });
    expect(res.body.detail).toContain('stop the container');

    // Following the advice clears it, and the container starts again.
    await docker.getContainer(`${p}ipv-c1`).stop({ t: 0 });
    await t.http.delete(`/api/v1/networks/${p}ipv/connections/${p}ipv-c1`).expect(204);
    expect(await containerEndpoint(`${p}ipv-c1`, `${p}ipv`)).toBeNull();
    await docker.getContainer(`${p}ipv-c1`).start();
    expect((await docker.getContainer(`${p}ipv-c1`).inspect()).State.Running).toBe(true);
  });

  it('answers UNSUPPORTED_BY_ENGINE for a driver the engine does not have', async () => {
    const res = await create({ name: `${p}plugin`, driver: 'sy-no-such-driver' }).expect(422);
    expect(res.body.code).toBe('UNSUPPORTED_BY_ENGINE');
    expect(res.body.detail).toContain('sy-no-such-driver');
    expect(await findNetworks(`${p}plugin`)).toEqual([]);
  });

  it('lists host and none as built-in networks and refuses to create them', async () => {
    const res = await t.http.get('/api/v1/networks').expect(200);
    const host = res.body.items.find((n: { name: string }) => n.name === 'host');
    const none = res.body.items.find((n: { name: string }) => n.name === 'none');
    expect(host).toMatchObject({ driver: 'host', builtIn: true });
    expect(none).toMatchObject({ driver: 'null', builtIn: true });
    const refused = await create({ name: `${p}host2`, driver: 'host' }).expect(400);
    expect(refused.body.code).toBe('VALIDATION_FAILED');
  });

  describe('on an engine that is not in swarm mode', () => {
    let bare: TestApp;
    beforeAll(async () => {
      bare = await startApp({ DOCKER_HOST: BARE_ENGINE_HOST });
    });
    afterAll(async () => {
      await bare?.close();
    });

    it('answers 422 for an overlay network, saying how to enable swarm mode', async () => {
      const res = await bare.http
        .post('/api/v1/networks')
        .send({ name: `${p}noswarm`, driver: 'overlay' })
        .expect(422);
      expect(res.body.code).toBe('UNSUPPORTED_BY_ENGINE');
      expect(res.body.detail).toContain('swarm init');
      const list = await bare.http
        .get('/api/v1/networks')
        .query({ name: `${p}noswarm` })
        .expect(200);
      expect(list.body.items).toEqual([]);
      // The main engine never saw it either.
      expect(await findNetworks(`${p}noswarm`)).toEqual([]);
      expect(await docker.ping()).toBeTruthy();
      const gql = await bare
        .gql('mutation($i: CreateNetworkInput!) { createNetwork(input: $i) { id } }', {
          i: { name: `${p}noswarm`, driver: 'overlay' },
        })
        .expect(200);
      expect(gql.body.errors[0].extensions.code).toBe('UNSUPPORTED_BY_ENGINE');
      expect(gql.body.errors[0].message).toContain('swarm init');
    });
  });
});
