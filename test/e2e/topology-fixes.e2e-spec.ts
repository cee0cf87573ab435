import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { createKey } from '../support/memory-app';
import { runPrefix } from '../support/names';
import { expectStatus } from '../support/templates';
import type { TopologyGraph } from '../../src/topology/topology.types';

// Subnets of this file: 10.133.0.0/16.
//
// The red team's findings on the topology, against the real engine: a container made with
// `--network <network id prefix>` (Docker 20.10 lists its endpoint twice) has one edge and one
// endpoint (F3); a label-scoped key is told nothing of the engine (F2); a bidi override in a name
// made on the engine is drawn as `?` (F8); a NUL in a network filter is a 400 (F4).
describe('topology: red-team fixes against the real engine', () => {
  const p = runPrefix('topofix');
  const teamValue = p.replace(/-$/, '');
  const team = { 'topofix-team': teamValue };
  let t: TestApp;
  let scopedKey = '';
  const names = { net: `${p}net`, byId: `${p}byid`, spoof: `${p}\u202eatem-nimda` };
  let networkId = '';
  let spoofId = '';

  const get = (query: Record<string, string | string[]>, key?: string) =>
    (key ? t.as(key) : t.http).get('/api/v1/topology').query(query);
  const text = (res: { text?: string; body: unknown }) =>
    res.text ?? Buffer.from(res.body as Buffer).toString('utf8');

  beforeAll(async () => {
    t = await startApp();
    scopedKey = await createKey(t, `${p}viewer`, 'viewer', team);
    const net = expectStatus(
      await t.http
        .post('/api/v1/networks')
        .send({ name: names.net, labels: team, ipam: { config: [{ subnet: '10.133.1.0/24' }] } }),
      201,
    ).body as { id: string };
    networkId = net.id;
    // As `docker run --network <id prefix>` makes it: NetworkMode and the endpoint keyed by the prefix.
    const prefix = networkId.slice(0, 12);
    const container = await docker.createContainer({
      name: names.byId,
      Image: TEST_IMAGE,
      Cmd: ['sleep', '3600'],
      Labels: { [TEST_LABEL]: p, ...team },
      HostConfig: { NetworkMode: prefix },
      NetworkingConfig: { EndpointsConfig: { [prefix]: {} } },
    });
    await container.start();
    // A network made on the engine (not through Switchyard) whose name carries a right-to-left override.
    const spoof = await docker.createNetwork({
      Name: names.spoof,
      Labels: { [TEST_LABEL]: p, ...team },
      IPAM: { Config: [{ Subnet: '10.133.2.0/24' }] },
    });
    spoofId = spoof.id;
  }, 120_000);

  afterAll(async () => {
    try {
      await docker
        .getNetwork(spoofId || names.spoof)
        .remove()
        .catch(() => undefined);
      await cleanupEngine(p);
    } finally {
      await t?.close();
    }
  }, 120_000);

  it('draws one edge with a unique id for a container made with --network <id prefix>, and lists its endpoint once', async () => {
    const g = expectStatus(await get({ network: names.net }), 200).body as TopologyGraph;
    const ids = g.edges.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const box = g.nodes.find((n) => n.name === names.byId);
    expect(box).toBeDefined();
    const edges = g.edges.filter((e) => e.from === box?.id);
    expect(edges).toHaveLength(1);
    const inspect = await docker.getContainer(names.byId).inspect();
    const endpoint = Object.values(inspect.NetworkSettings.Networks).find((e) => e.NetworkID === networkId);
    expect(edges[0]).toMatchObject({ to: `network:${networkId}`, ipv4Address: endpoint?.IPAddress });
    for (const format of ['dot', 'mermaid', 'svg']) {
      const drawn = text(expectStatus(await get({ network: names.net, format }), 200));
      if (format === 'dot') expect(drawn.split(edges[0].id).length - 1).toBe(1);
      if (format === 'svg') expect(drawn.split(`data-id="${edges[0].id}"`).length - 1).toBe(1);
      if (format === 'mermaid') expect(drawn.match(/ ---/g)).toHaveLength(1);
    }
    // The container's own answer lists the endpoint once, under the network's name.
    const answer = expectStatus(await t.http.get(`/api/v1/containers/${names.byId}`), 200).body as {
      networks: Array<{ network: string; networkId: string | null }>;
    };
    expect(answer.networks.map((n) => [n.network, n.networkId])).toEqual([[names.net, networkId]]);
  });

  it('tells a label-scoped key nothing of the engine, and an unscoped key which engine it is', async () => {
    const info = await docker.info();
    const scoped = expectStatus(await get({ network: names.net }, scopedKey), 200).body as TopologyGraph;
    expect(scoped.engine).toEqual({ id: null, name: null, version: null });
    expect(scoped.nodes.map((n) => n.name)).toEqual([names.net, names.byId]);
    const unscoped = expectStatus(await get({ network: names.net }), 200).body as TopologyGraph;
    expect(unscoped.engine).toEqual({ id: info.ID, name: info.Name, version: info.ServerVersion });
    const svg = text(expectStatus(await get({ network: names.net, format: 'svg' }, scopedKey), 200));
    for (const secret of [info.ID, info.Name, info.ServerVersion]) expect(svg).not.toContain(secret);
    // The engine filter works for the scoped key; its refusal names no engine.
    expectStatus(await get({ engine: info.Name, network: names.net }, scopedKey), 200);
    const wrong = expectStatus(await get({ engine: `${p}elsewhere` }, scopedKey), 404);
    expect(wrong.body).toMatchObject({ code: 'ENGINE_NOT_FOUND', context: { engine: `${p}elsewhere` } });
    for (const secret of [info.ID, info.Name]) expect(JSON.stringify(wrong.body)).not.toContain(secret);
    const gql = await t.gql(
      '{ topology(filter: { engine: "elsewhere" }) { nodes { id } } }',
      undefined,
      scopedKey,
    );
    expect(JSON.stringify(gql.body)).toContain('ENGINE_NOT_FOUND');
    for (const secret of [info.ID, info.Name]) expect(JSON.stringify(gql.body)).not.toContain(secret);
  });

  it('draws a bidi override in a name as ?, and keeps the name exact in the JSON', async () => {
    const g = expectStatus(await get({ network: spoofId }, scopedKey), 200).body as TopologyGraph;
    expect(g.nodes.map((n) => n.name)).toEqual([names.spoof]);
    const shown = `${p}?atem-nimda`;
    for (const format of ['svg', 'dot']) {
      const drawn = text(expectStatus(await get({ network: spoofId, format }, scopedKey), 200));
      expect(drawn).not.toContain('\u202e');
      expect(drawn).toContain(shown);
    }
    const mermaid = text(expectStatus(await get({ network: spoofId, format: 'mermaid' }, scopedKey), 200));
    expect(mermaid).not.toContain('#8238;');
    expect(mermaid).toContain('#63;');
  });

  it('refuses a NUL or a bidi override in the network filter with 400, never a 404 echoing it', async () => {
    for (const network of ['\u0000abc', names.spoof]) {
      const res = expectStatus(await get({ network }, scopedKey), 400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'network' }] });
    }
  });
});
