import { spawn } from 'node:child_process';
import type Docker from 'dockerode';
import type { Response } from 'supertest';
import { startApp, type TestApp } from '../support/app';
import { TEST_IMAGE } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { createKey } from '../support/memory-app';
import { runPrefix } from '../support/names';
import { expectStatus, templatesApi } from '../support/templates';
import { waitFor } from '../support/wait';
import { labelOverlaps, layoutTopology } from '../../src/topology/render/svg';
import type { TopologyGraph, TopologyNode } from '../../src/topology/topology.types';

// Subnets of this file: 10.130.0.0/16.
//
// The topology graph against the real engine: nodes and edges equal what the engine's inspect
// says, Mermaid names everything, Graphviz's own dot draws the DOT, the filters, a template's
// expectations as pass/fail overlays, and what a label-scoped key sees (REST and GraphQL).
describe('topology against the real engine', () => {
  const p = runPrefix('topo');
  const team = { 'topo-team': p.replace(/-$/, '') };
  let t: TestApp;
  let scopedKey = '';
  const names = {
    front: `${p}front`,
    back: `${p}back`,
    shared: `${p}shared`,
    a: `${p}a`,
    b: `${p}b`,
    c: `${p}c`,
    s: `${p}s`,
    x: `${p}x`,
    tpl: `${p}tpl`,
    tnet: `${p}tnet`,
    tnet2: `${p}tnet2`,
    t1: `${p}t1`,
    t2: `${p}t2`,
    t3: `${p}t3`,
  };
  let deploymentId = '';

  const graph = async (query: Record<string, string | string[]> = {}, key?: string) => {
    const res = await (key ? t.as(key) : t.http).get('/api/v1/topology').query(query);
    return expectStatus(res, 200).body as TopologyGraph;
  };
  const mine = (g: TopologyGraph) => g.nodes.filter((n) => n.name.startsWith(p));
  const nodeNamed = (g: TopologyGraph, name: string) => g.nodes.find((n) => n.name === name);

  beforeAll(async () => {
    t = await startApp();
    scopedKey = await createKey(t, `${p}viewer`, 'operator', team);
    const net = (name: string, body: Record<string, unknown>, key?: string) =>
      (key ? t.as(key) : t.http)
        .post('/api/v1/networks')
        .send({ name, ...body })
        .then((res) => expectStatus(res, 201));
    const run = (name: string, body: Record<string, unknown>, key?: string) =>
      (key ? t.as(key) : t.http)
        .post('/api/v1/containers')
        .send({ name, image: TEST_IMAGE, command: ['sleep', '3600'], ...body })
        .then((res) => expectStatus(res, 201));
    await net(names.front, {
      enableIPv6: true,
      labels: { 'topo-tier': 'front' },
      ipam: { config: [{ subnet: '10.130.1.0/24' }, { subnet: 'fd00:130:1::/64' }] },
    });
    await net(names.back, { ipam: { config: [{ subnet: '10.130.2.0/24' }] } });
    // In the scoped key's scope, made by the admin: an admin container without the label on it
    // must stay hidden from the scoped key.
    await net(names.shared, { labels: team, ipam: { config: [{ subnet: '10.130.3.0/24' }] } });
    await run(names.a, {
      labels: { 'topo-tier': 'front' },
      networks: [
        {
          network: names.front,
          ipv4Address: '10.130.1.10',
          ipv6Address: 'fd00:130:1::10',
          macAddress: '02:13:00:00:00:0a',
          aliases: ['alpha'],
        },
      ],
    });
    await run(names.b, {
      networks: [
        { network: names.front, ipv4Address: '10.130.1.11' },
        { network: names.back, ipv4Address: '10.130.2.11', aliases: ['beta'] },
      ],
    });
    await run(names.c, {
      networks: [{ network: names.back, ipv4Address: '10.130.2.12', aliases: ['gamma'] }],
    });
    expectStatus(await t.http.post(`/api/v1/containers/${names.c}/stop`).send({}), 200);
    await run(names.x, { networks: [{ network: names.shared, ipv4Address: '10.130.3.20' }] });
    await run(names.s, { networks: [{ network: names.shared, ipv4Address: '10.130.3.10' }] }, scopedKey);

    // A template with one expectation that holds and one that does not.
    const api = templatesApi(t.http);
    const container = (network: string) => ({
      image: TEST_IMAGE,
      command: ['sleep', '3600'],
      networks: { [network]: {} },
    });
    expectStatus(
      await api.create({
        name: names.tpl,
        networks: {
          [names.tnet]: { ipam: { config: [{ subnet: '10.130.9.0/24' }] } },
          [names.tnet2]: { ipam: { config: [{ subnet: '10.130.10.0/24' }] } },
        },
        containers: {
          [names.t1]: container(names.tnet),
          [names.t2]: container(names.tnet),
          [names.t3]: container(names.tnet2),
        },
        expectations: [
          { from: names.t1, to: names.t2, reachable: true },
          { from: names.t1, to: names.t3, reachable: true },
        ],
      }),
      201,
    );
    const applied = expectStatus(await api.apply(names.tpl, { wait: true }), 200).body as {
      id: string;
      status: string;
    };
    deploymentId = applied.id;
  }, 180_000);

  afterAll(async () => {
    try {
      if (t) await templatesApi(t.http).destroy(names.tpl, { wait: true });
    } finally {
      await cleanupEngine(p);
      await t?.close();
    }
  }, 120_000);

  it('answers nodes and edges equal to what the engine inspects', async () => {
    const g = await waitFor(
      async () => {
        const answer = await graph();
        return nodeNamed(answer, names.c)?.state === 'exited' ? answer : null;
      },
      { what: 'the stopped container in the graph' },
    );
    for (const name of [names.front, names.back, names.shared]) {
      const engine = await docker.getNetwork(name).inspect();
      expect(nodeNamed(g, name)).toEqual(
        expect.objectContaining({
          id: `network:${engine.Id}`,
          kind: 'network',
          name,
          driver: engine.Driver,
          internal: engine.Internal,
          builtIn: false,
          subnets: (engine.IPAM?.Config ?? []).map((c) => c.Subnet),
          labels: engine.Labels,
        }),
      );
    }
    const networkNodes = new Map(g.nodes.filter((n) => n.kind === 'network').map((n) => [n.name, n]));
    for (const name of [names.a, names.b, names.c, names.x, names.s]) {
      const engine = await docker.getContainer(name).inspect();
      const node = nodeNamed(g, name) as TopologyNode;
      expect(node).toEqual({
        id: `container:${engine.Id}`,
        kind: 'container',
        name,
        state: engine.State.Status,
        image: engine.Config.Image,
        labels: engine.Config.Labels,
      });
      const expected = Object.entries(engine.NetworkSettings.Networks).map(([network, e]) =>
        endpointOf(node.id, networkNodes.get(network)?.id ?? '?', e),
      );
      const edges = g.edges.filter((e) => e.from === node.id);
      expect(edges.sort(byId)).toEqual(expected.sort(byId));
    }
    // The chosen addresses, as asked for (the stopped container keeps those it asked for).
    const edgeOf = (from: string, to: string) =>
      g.edges.find((e) => e.from === nodeNamed(g, from)?.id && e.to === nodeNamed(g, to)?.id);
    expect(edgeOf(names.a, names.front)).toMatchObject({
      ipv4Address: '10.130.1.10',
      ipv6Address: 'fd00:130:1::10',
      macAddress: '02:13:00:00:00:0a',
      aliases: expect.arrayContaining(['alpha']),
    });
    expect(edgeOf(names.b, names.back)?.aliases).toEqual(expect.arrayContaining(['beta']));
    expect(edgeOf(names.c, names.back)?.ipv4Address).toBe('10.130.2.12');
    expect(g.engine.id).toBe((await docker.info()).ID);
  });

  it('writes Mermaid that names everything and DOT that Graphviz draws', async () => {
    const query = { network: [names.front, names.back, names.shared] };
    const mermaid = await t.http
      .get('/api/v1/topology')
      .query({ ...query, format: 'mermaid' })
      .expect(200);
    expect(mermaid.headers['content-type']).toBe('text/vnd.mermaid; charset=utf-8');
    expect(mermaid.text.split('\n')[0]).toBe('flowchart LR');
    const dot = await t.http
      .get('/api/v1/topology')
      .query({ ...query, format: 'dot' })
      .expect(200);
    expect(dot.headers['content-type']).toBe('text/vnd.graphviz; charset=utf-8');
    const drawn = await graphviz(dot.text);
    expect(drawn.stderr).toBe('');
    expect(drawn.code).toBe(0);
    const everything = [names.front, names.back, names.shared, names.a, names.b, names.c, names.x, names.s];
    for (const name of [...everything, '10.130.1.10', 'alpha', 'beta']) {
      expect(mermaid.text).toContain(name);
      expect(drawn.stdout).toContain(name);
    }
  });

  it('filters by network (name or id prefix), label and engine', async () => {
    const front = await docker.getNetwork(names.front).inspect();
    for (const ref of [names.front, front.Id.slice(0, 12)]) {
      const g = await graph({ network: ref });
      expect(g.nodes.map((n) => n.name)).toEqual([names.front, names.a, names.b]);
      // b is on back too: only its endpoint on the network asked for is drawn.
      expect(g.edges.map((e) => e.to)).toEqual([`network:${front.Id}`, `network:${front.Id}`]);
    }
    const byLabel = await graph({ label: 'topo-tier=front' });
    expect(byLabel.nodes.map((n) => n.name)).toEqual([names.front, names.a]);
    expect(byLabel.edges).toHaveLength(1);
    const info = await docker.info();
    for (const ref of [info.Name, info.ID, info.ID.slice(0, 8)]) {
      const g = await graph({ engine: ref, network: names.back });
      expect(g.engine).toMatchObject({ id: info.ID, name: info.Name });
      expect(g.nodes.map((n) => n.name)).toEqual([names.back, names.b, names.c]);
    }
    const wrong = await t.http.get('/api/v1/topology').query({ engine: `${p}elsewhere` });
    expect(wrong.status).toBe(404);
    expect(wrong.body).toMatchObject({ code: 'ENGINE_NOT_FOUND' });
    expect(wrong.body.detail).toContain(info.Name);
  });

  it("draws a template's resources and its expectations as pass and fail overlays from its last deployment", async () => {
    const g = await graph({ template: names.tpl });
    expect(g.template).toBe(names.tpl);
    expect(g.nodes.map((n) => n.name)).toEqual([names.tnet, names.tnet2, names.t1, names.t2, names.t3]);
    expect(g.nodes.every((n) => n.template === names.tpl)).toBe(true);
    const id = (name: string) => nodeNamed(g, name)?.id;
    expect(g.expectations).toEqual([
      expect.objectContaining({
        fromName: names.t1,
        toName: names.t2,
        from: id(names.t1),
        to: id(names.t2),
        reachable: true,
        passed: true,
        diagnosis: null,
        deploymentId,
      }),
      expect.objectContaining({
        fromName: names.t1,
        toName: names.t3,
        from: id(names.t1),
        to: id(names.t3),
        reachable: true,
        passed: false,
        diagnosis: expect.objectContaining({ code: 'NO_SHARED_NETWORK' }),
        deploymentId,
      }),
    ]);
    const dot = await t.http
      .get('/api/v1/topology')
      .query({ template: names.tpl, format: 'dot' })
      .expect(200);
    const drawn = await graphviz(dot.text);
    expect(drawn.code).toBe(0);
    expect(drawn.stdout).toContain('expect reach: pass');
    expect(drawn.stdout).toContain('expect reach: FAIL');
    const gql = await t
      .gql(
        'query($f: TopologyFilterInput) { topology(filter: $f) { template expectations { toName passed } } }',
        {
          f: { template: names.tpl },
        },
      )
      .expect(200);
    expect(gql.body.data.topology).toEqual({
      template: names.tpl,
      expectations: [
        { toName: names.t2, passed: true },
        { toName: names.t3, passed: false },
      ],
    });
  });

  it('shows a label-scoped key what its network list shows, on REST and GraphQL, and nothing of other scopes', async () => {
    const g = await graph({}, scopedKey);
    expect(mine(g).map((n) => n.name)).toEqual([names.shared, names.s]);
    // The same members as the network's own answer for that key.
    const shared = expectStatus(await t.as(scopedKey).get(`/api/v1/networks/${names.shared}`), 200).body as {
      containers: Array<{ name: string; ipv4Address: string }>;
    };
    const sharedId = nodeNamed(g, names.shared)?.id;
    const onShared = g.edges.filter((e) => e.to === sharedId);
    expect(onShared.map((e) => e.ipv4Address)).toEqual(shared.containers.map((c) => c.ipv4Address));
    expect(shared.containers.map((c) => c.name)).toEqual([names.s]);
    const listed = expectStatus(await t.as(scopedKey).get('/api/v1/networks'), 200).body as {
      items: Array<{ id: string }>;
    };
    expect(
      g.nodes
        .filter((n) => n.kind === 'network')
        .map((n) => n.id.slice('network:'.length))
        .sort(),
    ).toEqual(listed.items.map((n) => n.id).sort());
    const text = JSON.stringify(g);
    for (const hidden of [names.x, names.a, names.front, '10.130.3.20']) expect(text).not.toContain(hidden);
    const mermaid = await t.as(scopedKey).get('/api/v1/topology').query({ format: 'mermaid' }).expect(200);
    expect(mermaid.text).not.toContain(names.x);
    const refused = await t.as(scopedKey).get('/api/v1/topology').query({ network: names.front });
    expect(refused.status).toBe(404);
    expect(refused.body.code).toBe('NETWORK_NOT_FOUND');
    const gql = await t.gql(
      '{ topology { nodes { id name } edges { id ipv4Address } dot } }',
      undefined,
      scopedKey,
    );
    expect(gql.status).toBe(200);
    const data = gql.body.data.topology as {
      nodes: Array<{ id: string }>;
      edges: Array<{ id: string }>;
      dot: string;
    };
    expect(data.nodes.map((n) => n.id)).toEqual(g.nodes.map((n) => n.id));
    expect(data.edges.map((e) => e.id)).toEqual(g.edges.map((e) => e.id));
    expect(data.dot).not.toContain(names.x);
  });

  it('draws SVG with every name and address and no overlapping label boxes, in each theme, on REST and GraphQL', async () => {
    const queries: Array<Record<string, string | string[]>> = [
      { network: [names.front, names.back] },
      { template: names.tpl },
    ];
    for (const query of queries) {
      const g = await graph(query);
      expect(labelOverlaps(layoutTopology(g))).toEqual([]);
      for (const theme of ['light', 'dark', 'auto']) {
        const res = await t.http
          .get('/api/v1/topology')
          .query({ ...query, format: 'svg', theme })
          .buffer(true)
          .parse(asText)
          .expect(200);
        expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
        const svg = res.body as string;
        expect(svg).toMatch(/^<\?xml [^>]*\?>\n<svg /);
        expect(svg).toContain(`theme-${theme}`);
        for (const node of g.nodes) expect(svg).toContain(`data-name="${node.name}"`);
        for (const edge of g.edges) expect(svg).toContain(`${edge.ipv4Address}`);
      }
    }
    const gql = await t
      .gql('query($f: TopologyFilterInput) { topology(filter: $f) { svg(theme: dark) } }', { f: queries[0] })
      .expect(200);
    expect(gql.body.data.topology.svg).toContain(`data-name="${names.a}"`);
    expect(gql.body.data.topology.svg).toContain('theme-dark');
  });

  it('refuses a missing key, a bad format and an unknown network', async () => {
    await t.anon.get('/api/v1/topology').expect(401);
    const bad = await t.http.get('/api/v1/topology').query({ format: 'png' });
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const unknown = await t.http.get('/api/v1/topology').query({ network: `${p}nowhere` });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'NETWORK_NOT_FOUND']);
  });
});

function endpointOf(from: string, to: string, e: Docker.NetworkInfo) {
  const ipam = (
    e as Docker.NetworkInfo & { IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null }
  ).IPAMConfig;
  return {
    id: `${from}|${to}`,
    from,
    to,
    ipv4Address: e.IPAddress || ipam?.IPv4Address || null,
    ipv6Address: e.GlobalIPv6Address || ipam?.IPv6Address || null,
    macAddress: e.MacAddress || null,
    aliases: e.Aliases ?? [],
  };
}

// supertest keeps an image/svg+xml answer as bytes: read it as text.
function asText(res: Response, done: (error: Error | null, body: string) => void): void {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  res.on('end', () => done(null, text));
}

const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);

// Debian's Graphviz on the DOT source: its exit code, its SVG and what it complained about.
function graphviz(source: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/dot', ['-Tsvg'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      // Graphviz writes some characters as entities (`-` as `&#45;`): the text as a reader sees it.
      const text = stdout.replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));
      resolve({ code, stdout: text, stderr });
    });
    child.stdin.end(source);
  });
}
