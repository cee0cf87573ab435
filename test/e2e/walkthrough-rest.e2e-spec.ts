import { startApp, type TestApp } from '../support/app';
import { MACVLAN_PARENTS, TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker, execIn } from '../support/engine';
import { runPrefix } from '../support/names';

// The classic Docker networking walkthrough, every step through the REST API.
// Subnets of this file: 10.205.0.0/16.
const MACVLAN_PARENT = MACVLAN_PARENTS.walkthroughRest;

describe('walkthrough over REST: bridge, host, overlay and macvlan', () => {
  const p = runPrefix('walkrest');
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await cleanupEngine(p);
    await t.close();
  });

  const createNetwork = (body: Record<string, unknown>) =>
    t.http.post('/api/v1/networks').send(body).expect(201);
  const run = (body: Record<string, unknown>) =>
    t.http
      .post('/api/v1/containers')
      .send({ image: TEST_IMAGE, command: ['sleep', '3600'], labels: { [TEST_LABEL]: p }, ...body })
      .expect(201);
  const ping = (from: string, to: string) =>
    t.http.post('/api/v1/connectivity/ping').send({ from, to, count: 2 }).expect(200);

  it('bridge: containerA pings containerB by name', async () => {
    await createNetwork({ name: `${p}br`, ipam: { config: [{ subnet: '10.205.1.0/24' }] } });
    await run({ name: `${p}br-a`, networks: [{ network: `${p}br` }] });
    await run({ name: `${p}br-b`, networks: [{ network: `${p}br` }] });

    const listed = await t.http
      .get('/api/v1/containers')
      .query({ network: `${p}br` })
      .expect(200);
    expect(listed.body.items.map((c: { name: string; state: string }) => [c.name, c.state])).toEqual([
      [`${p}br-a`, 'running'],
      [`${p}br-b`, 'running'],
    ]);

    const res = await ping(`${p}br-a`, `${p}br-b`);
    const b = await docker.getContainer(`${p}br-b`).inspect();
    expect(res.body).toMatchObject({
      from: `${p}br-a`,
      to: `${p}br-b`,
      reachable: true,
      resolvedAddress: b.NetworkSettings.Networks[`${p}br`].IPAddress,
      transmitted: 2,
      received: 2,
      packetLoss: 0,
      probe: 'exec',
      diagnosis: null,
    });
    expect(res.body.rttMs.min).toBeLessThanOrEqual(res.body.rttMs.avg);
    expect(res.body.rttMs.avg).toBeLessThanOrEqual(res.body.rttMs.max);
  });

  it('host: a container on the host network shares the host namespace and reaches containers by address', async () => {
    const host = await run({ name: `${p}host-a`, networkMode: 'host' });
    expect(host.body.networkMode).toBe('host');
    expect(host.body.networks.map((n: { network: string }) => n.network)).toEqual(['host']);
    // The host's own interfaces are visible inside: docker0 exists only in the host namespace.
    const inside = await execIn(`${p}host-a`, ['ip', 'link', 'show', 'docker0']);
    expect(inside.exitCode).toBe(0);
    const b = await docker.getContainer(`${p}br-b`).inspect();
    const res = await ping(`${p}host-a`, b.NetworkSettings.Networks[`${p}br`].IPAddress);
    expect(res.body).toMatchObject({ reachable: true, received: 2, diagnosis: null });
    const loopback = await ping(`${p}host-a`, '127.0.0.1');
    expect(loopback.body.reachable).toBe(true);
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
    expect(
      (await docker.getContainer(`${p}ovl-b`).inspect()).NetworkSettings.Networks[`${p}ovl`].IPAddress,
    ).toBe('10.205.2.50');
    const res = await ping(`${p}ovl-a`, `${p}ovl-b`);
    expect(res.body).toMatchObject({ reachable: true, resolvedAddress: '10.205.2.50', received: 2 });
    const byAlias = await ping(`${p}ovl-b`, 'front');
    expect(byAlias.body.reachable).toBe(true);
  });

  it('macvlan: a container gets the chosen IP and MAC, seen by the engine and from inside, and reaches its peer', async () => {
    await createNetwork({
      name: `${p}mv`,
      driver: 'macvlan',
      options: { parent: MACVLAN_PARENT, macvlan_mode: 'bridge' },
      ipam: { config: [{ subnet: '10.205.3.0/24', gateway: '10.205.3.1' }] },
    });
    const a = await run({
      name: `${p}mv-a`,
      networks: [{ network: `${p}mv`, ipv4Address: '10.205.3.10', macAddress: '02:42:0a:cd:03:0a' }],
    });
    await run({ name: `${p}mv-b`, networks: [{ network: `${p}mv`, ipv4Address: '10.205.3.11' }] });
    expect(a.body.networks[0]).toMatchObject({
      network: `${p}mv`,
      ipv4Address: '10.205.3.10',
      macAddress: '02:42:0a:cd:03:0a',
    });

    const engine = await docker.getContainer(`${p}mv-a`).inspect();
    expect(engine.NetworkSettings.Networks[`${p}mv`]).toMatchObject({
      IPAddress: '10.205.3.10',
      MacAddress: '02:42:0a:cd:03:0a',
    });
    const inside = await execIn(`${p}mv-a`, ['ip', 'addr', 'show', 'eth0']);
    expect(inside.output).toContain('inet 10.205.3.10/24');
    expect(inside.output).toContain('link/ether 02:42:0a:cd:03:0a');
    const viaExec = await t.http
      .post(`/api/v1/containers/${p}mv-a/exec`)
      .send({ command: ['cat', '/sys/class/net/eth0/address'] })
      .expect(200);
    expect(viaExec.body.stdout.trim()).toBe('02:42:0a:cd:03:0a');

    const res = await ping(`${p}mv-a`, `${p}mv-b`);
    expect(res.body).toMatchObject({ reachable: true, resolvedAddress: '10.205.3.11' });
  });

  it('matrix: every ordered pair on a network, reachable, with round trips', async () => {
    await run({ name: `${p}br-c`, networks: [{ network: `${p}br` }] });
    const res = await t.http
      .post('/api/v1/connectivity/matrix')
      .send({ network: `${p}br` })
      .expect(200);
    expect(res.body.network).toBe(`${p}br`);
    expect(res.body.durationMs).toBeGreaterThan(0);
    const pairs = res.body.results.map((r: { from: string; to: string }) => `${r.from}>${r.to}`).sort();
    const names = [`${p}br-a`, `${p}br-b`, `${p}br-c`];
    expect(pairs).toEqual(names.flatMap((a) => names.filter((b) => b !== a).map((b) => `${a}>${b}`)).sort());
    for (const r of res.body.results) {
      expect(r.reachable).toBe(true);
      expect(r.rttMs.avg).toBeGreaterThan(0);
      expect(r.address).toMatch(/^10\.205\.1\.\d+$/);
    }
  });
});
