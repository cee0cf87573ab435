import type { Response } from 'supertest';
import { startApp, type TestApp } from '../support/app';
import { MACVLAN_PARENTS, TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker, execIn } from '../support/engine';
import { FEATURES } from '../support/engines';
import { runPrefix } from '../support/names';

// The classic Docker networking walkthrough, every step through the REST API. A story that several
// tests look at is built once in its describe's beforeAll; the tests only read and probe it.
// Subnets of this file: 10.205.0.0/16.
const MACVLAN_PARENT = MACVLAN_PARENTS.walkthroughRest;

// MAC addresses Docker never derives itself (its own are 02:42 followed by the IPv4 address), so
// finding one on the engine proves it was applied as asked.
const BRIDGE_MAC = '02:5e:0a:cd:01:0a';
const MACVLAN_MAC = '02:5e:0a:cd:03:0a';

describe('walkthrough over REST: bridge, host, overlay and macvlan', () => {
  const p = runPrefix('walkrest');
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t?.close();
  });

  const createNetwork = (body: Record<string, unknown>) =>
    t.http.post('/api/v1/networks').send(body).expect(201);
  const run = (body: Record<string, unknown>) =>
    t.http
      .post('/api/v1/containers')
      .send({ image: TEST_IMAGE, command: ['sleep', '3600'], labels: { [TEST_LABEL]: p }, ...body })
      .expect(201);
  // Pings that should be answered end at the last reply; the deadline only has to outlast a busy machine.
  const ping = (from: string, to: string) =>
    t.http.post('/api/v1/connectivity/ping').send({ from, to, count: 2, timeoutMs: 20_000 }).expect(200);
  const endpoint = async (container: string, network: string) =>
    (await docker.getContainer(container).inspect()).NetworkSettings.Networks[network];

  describe('bridge: three containers on a user-defined network, A with a chosen IP, MAC and alias', () => {
    let a: Response;

    beforeAll(async () => {
      await createNetwork({ name: `${p}br`, ipam: { config: [{ subnet: '10.205.1.0/24' }] } });
      a = await run({
        name: `${p}br-a`,
        networks: [
          { network: `${p}br`, ipv4Address: '10.205.1.10', macAddress: BRIDGE_MAC, aliases: ['alpha'] },
        ],
      });
      await run({ name: `${p}br-b`, networks: [{ network: `${p}br` }] });
      await run({ name: `${p}br-c`, networks: [{ network: `${p}br` }] });
    });

    it('lists the containers on the network, all running', async () => {
      const listed = await t.http
        .get('/api/v1/containers')
        .query({ network: `${p}br` })
        .expect(200);
      expect(listed.body.items.map((c: { name: string; state: string }) => [c.name, c.state])).toEqual([
        [`${p}br-a`, 'running'],
        [`${p}br-b`, 'running'],
        [`${p}br-c`, 'running'],
      ]);
    });

    it(`A has the chosen IP, MAC ${BRIDGE_MAC} and alias, in the answer, on the engine and inside`, async () => {
      expect(a.body.networks[0]).toMatchObject({
        network: `${p}br`,
        ipv4Address: '10.205.1.10',
        macAddress: BRIDGE_MAC,
        aliases: expect.arrayContaining(['alpha']),
      });
      const engine = await endpoint(`${p}br-a`, `${p}br`);
      expect(engine).toMatchObject({ IPAddress: '10.205.1.10', MacAddress: BRIDGE_MAC });
      expect(engine.Aliases).toEqual(expect.arrayContaining(['alpha']));
      // The short id among the aliases exactly where the engine puts it there (docs/testing.md, Engine versions).
      expect(a.body.networks[0].aliases.includes(a.body.id.slice(0, 12))).toBe(FEATURES.shortIdAlias);
      const inside = await execIn(`${p}br-a`, ['ip', 'addr', 'show', 'eth0']);
      expect(inside.output).toContain('inet 10.205.1.10/24');
      expect(inside.output).toContain(`link/ether ${BRIDGE_MAC}`);
    });

    it('containerA pings containerB by name, and B reaches A by its alias', async () => {
      const res = await ping(`${p}br-a`, `${p}br-b`);
      const b = await endpoint(`${p}br-b`, `${p}br`);
      expect(res.body).toMatchObject({
        from: `${p}br-a`,
        to: `${p}br-b`,
        reachable: true,
        resolvedAddress: b.IPAddress,
        transmitted: 2,
        received: 2,
        packetLoss: 0,
        probe: 'exec',
        diagnosis: null,
      });
      expect(res.body.rttMs.min).toBeLessThanOrEqual(res.body.rttMs.avg);
      expect(res.body.rttMs.avg).toBeLessThanOrEqual(res.body.rttMs.max);
      const byAlias = await ping(`${p}br-b`, 'alpha');
      expect(byAlias.body).toMatchObject({ reachable: true, resolvedAddress: '10.205.1.10' });
    });

    it('matrix: every ordered pair on a network, reachable, with round trips', async () => {
      const res = await t.http
        .post('/api/v1/connectivity/matrix')
        .send({ network: `${p}br`, timeoutMs: 10_000 })
        .expect(200);
      expect(res.body.network).toBe(`${p}br`);
      expect(res.body.durationMs).toBeGreaterThan(0);
      const pairs = res.body.results.map((r: { from: string; to: string }) => `${r.from}>${r.to}`).sort();
      const names = [`${p}br-a`, `${p}br-b`, `${p}br-c`];
      expect(pairs).toEqual(
        names.flatMap((a) => names.filter((b) => b !== a).map((b) => `${a}>${b}`)).sort(),
      );
      // Six results, as the pairs show.
      for (const r of res.body.results) {
        expect(r.reachable).toBe(true);
        expect(r.rttMs.avg).toBeGreaterThan(0);
        expect(r.address).toMatch(/^10\.205\.1\.\d+$/);
      }
    });

    describe('host: a container on the host network', () => {
      let host: Response;

      beforeAll(async () => {
        host = await run({ name: `${p}host-a`, networkMode: 'host' });
      });

      it('shares the host namespace and reaches the containers on the bridge network by address', async () => {
        expect(host.body.networkMode).toBe('host');
        expect(host.body.networks.map((n: { network: string }) => n.network)).toEqual(['host']);
        // The host's own interfaces are visible inside: docker0 exists only in the host namespace.
        const inside = await execIn(`${p}host-a`, ['ip', 'link', 'show', 'docker0']);
        expect(inside.exitCode).toBe(0);
        const b = await endpoint(`${p}br-b`, `${p}br`);
        const res = await ping(`${p}host-a`, b.IPAddress);
        expect(res.body).toMatchObject({ reachable: true, received: 2, diagnosis: null });
        const loopback = await ping(`${p}host-a`, '127.0.0.1');
        expect(loopback.body.reachable).toBe(true);
      });
    });
  });

  it('overlay: containers on an attachable overlay network reach each other by name', async () => {
    const net = await createNetwork({
      name: `${p}ovl`,
      driver: 'overlay',
      attachable: true,
      ipam: { config: [{ subnet: '10.205.2.0/24' }] },
    });
    expect(net.body).toMatchObject({ driver: 'overlay', scope: 'swarm' });
    await run({ name: `${p}ovl-a`, networks: [{ network: `${p}ovl`, aliases: ['front'] }] });
    await run({ name: `${p}ovl-b`, networks: [{ network: `${p}ovl`, ipv4Address: '10.205.2.50' }] });
    expect((await endpoint(`${p}ovl-b`, `${p}ovl`)).IPAddress).toBe('10.205.2.50');
    const res = await ping(`${p}ovl-a`, `${p}ovl-b`);
    expect(res.body).toMatchObject({ reachable: true, resolvedAddress: '10.205.2.50', received: 2 });
    const byAlias = await ping(`${p}ovl-b`, 'front');
    expect(byAlias.body.reachable).toBe(true);
  });

  it(`macvlan: a container gets the chosen IP and MAC ${MACVLAN_MAC}, seen by the engine and from inside, and reaches its peer`, async () => {
    await createNetwork({
      name: `${p}mv`,
      driver: 'macvlan',
      options: { parent: MACVLAN_PARENT, macvlan_mode: 'bridge' },
      ipam: { config: [{ subnet: '10.205.3.0/24', gateway: '10.205.3.1' }] },
    });
    const a = await run({
      name: `${p}mv-a`,
      networks: [{ network: `${p}mv`, ipv4Address: '10.205.3.10', macAddress: MACVLAN_MAC }],
    });
    await run({ name: `${p}mv-b`, networks: [{ network: `${p}mv`, ipv4Address: '10.205.3.11' }] });
    expect(a.body.networks[0]).toMatchObject({
      network: `${p}mv`,
      ipv4Address: '10.205.3.10',
      macAddress: MACVLAN_MAC,
    });

    expect(await endpoint(`${p}mv-a`, `${p}mv`)).toMatchObject({
      IPAddress: '10.205.3.10',
      MacAddress: MACVLAN_MAC,
    });
    const inside = await execIn(`${p}mv-a`, ['ip', 'addr', 'show', 'eth0']);
    expect(inside.output).toContain('inet 10.205.3.10/24');
    expect(inside.output).toContain(`link/ether ${MACVLAN_MAC}`);
    const viaExec = await t.http
      .post(`/api/v1/containers/${p}mv-a/exec`)
      .send({ command: ['cat', '/sys/class/net/eth0/address'] })
      .expect(200);
    expect(viaExec.body.stdout.trim()).toBe(MACVLAN_MAC);

    const res = await ping(`${p}mv-a`, `${p}mv-b`);
    expect(res.body).toMatchObject({ reachable: true, resolvedAddress: '10.205.3.11' });
  });
});
