import { createKey, IMAGE } from '../support/memory-app';
import { MemoryEngine } from '../support/memory-engine';
import { BOOT_TIMEOUT_MS, startAppOn, type TestApp } from '../support/test-app';
import type { TopologyGraph } from '../../src/topology/topology.types';

// The topology graph through the real app on the in-memory engine: what each key sees (the same
// as its network and container lists), the filters, the expectation overlays, and the refusals,
// on REST and GraphQL.
describe('topology graph', () => {
  const engine = new MemoryEngine({ apiVersion: '1.45' });
  let t: TestApp;
  const key = { teamA: '', teamB: '', viewer: '' };

  const network = (name: string, subnet: string, as: string, labels?: Record<string, string>) =>
    t
      .as(as)
      .post('/api/v1/networks')
      .send({ name, ipam: { config: [{ subnet }] }, ...(labels ? { labels } : {}) })
      .expect(201);
  const run = (name: string, as: string, extra: Record<string, unknown> = {}) =>
    t
      .as(as)
      .post('/api/v1/containers')
      .send({ name, image: IMAGE, command: ['sleep', '3600'], ...extra })
      .expect(201);
  const topology = async (as: string, query: Record<string, string | string[]> = {}) => {
    const res = await t.as(as).get('/api/v1/topology').query(query);
    if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
    return res.body as TopologyGraph;
  };
  const names = (g: TopologyGraph, kind?: string) =>
    g.nodes.filter((n) => !kind || n.kind === kind).map((n) => n.name);
  const idOf = (g: TopologyGraph, name: string) => g.nodes.find((n) => n.name === name)?.id;

  beforeAll(async () => {
    t = await startAppOn(engine);
    key.teamA = await createKey(t, 'team-a', 'operator', { team: 'a' });
    key.teamB = await createKey(t, 'team-b', 'operator', { team: 'b' });
    key.viewer = await createKey(t, 'viewer', 'viewer');
    const admin = t.config.ADMIN_API_KEY!;
    await network('topo-a', '10.130.1.0/24', key.teamA, { tier: 'front' });
    await network('topo-b', '10.130.2.0/24', key.teamB);
    await network('topo-shared', '10.130.3.0/24', admin);
    await run('box-a', key.teamA, {
      labels: { tier: 'front' },
      networks: [
        { network: 'topo-a', ipv4Address: '10.130.1.10', macAddress: '02:aa:00:00:00:0a', aliases: ['web'] },
      ],
    });
    await run('box-a2', key.teamA, { networks: [{ network: 'topo-a', ipv4Address: '10.130.1.11' }] });
    await t.as(key.teamA).post('/api/v1/containers/box-a2/stop').expect(200);
    await run('box-b', key.teamB, { networks: [{ network: 'topo-b' }] });
    // Team b's container on the default bridge, which every key sees.
    await run('bridged-b', key.teamB);
    await run('admin-box', admin, { networks: [{ network: 'topo-shared' }] });
  }, BOOT_TIMEOUT_MS);
  afterAll(() => t.close());

  it('answers every network and container with an edge per endpoint, as the engine has them', async () => {
    const g = await topology(t.config.ADMIN_API_KEY!);
    expect(names(g, 'network')).toEqual(
      expect.arrayContaining(['bridge', 'host', 'none', 'topo-a', 'topo-b', 'topo-shared']),
    );
    expect(names(g, 'container')).toEqual(['admin-box', 'box-a', 'box-a2', 'box-b', 'bridged-b']);
    const boxA = engine.container('box-a')!;
    const topoA = engine.network('topo-a')!;
    expect(g.nodes.find((n) => n.name === 'box-a')).toEqual({
      id: `container:${boxA.id}`,
      kind: 'container',
      name: 'box-a',
      state: 'running',
      image: IMAGE,
      labels: boxA.labels,
    });
    expect(g.nodes.find((n) => n.name === 'topo-a')).toMatchObject({
      id: `network:${topoA.id}`,
      kind: 'network',
      driver: 'bridge',
      subnets: ['10.130.1.0/24'],
      internal: false,
      builtIn: false,
    });
    const endpoint = boxA.endpoints.find((e) => e.networkId === topoA.id)!;
    expect(g.edges.filter((e) => e.from === `container:${boxA.id}`)).toEqual([
      {
        id: `container:${boxA.id}|network:${topoA.id}`,
        from: `container:${boxA.id}`,
        to: `network:${topoA.id}`,
        ipv4Address: '10.130.1.10',
        ipv6Address: endpoint.ipv6Address,
        macAddress: '02:aa:00:00:00:0a',
        aliases: endpoint.aliases,
      },
    ]);
    expect(endpoint.aliases).toContain('web');
    // The stopped container: its node says so, its edge keeps the address it asked for.
    expect(g.nodes.find((n) => n.name === 'box-a2')?.state).toBe('exited');
    expect(g.edges.find((e) => e.from === idOf(g, 'box-a2'))?.ipv4Address).toBe('10.130.1.11');
    expect(g.engine).toEqual({
      id: expect.any(String),
      name: expect.any(String),
      version: expect.any(String),
    });
    expect(Date.parse(g.generatedAt)).not.toBeNaN();
    expect(g.expectations).toBeUndefined();
  });

  it("shows a scoped key exactly what its network and container lists show, and no other scope's endpoints", async () => {
    const g = await topology(key.teamA);
    const networks = (await t.as(key.teamA).get('/api/v1/networks').expect(200)).body as {
      items: Array<{ name: string }>;
    };
    const containers = (await t.as(key.teamA).get('/api/v1/containers?all=true').expect(200)).body as {
      items: Array<{ name: string }>;
    };
    expect(names(g, 'network').sort()).toEqual(networks.items.map((n) => n.name).sort());
    expect(names(g, 'container').sort()).toEqual(containers.items.map((c) => c.name).sort());
    expect(names(g)).not.toEqual(expect.arrayContaining(['box-b']));
    expect(names(g)).not.toContain('bridged-b');
    expect(names(g)).not.toContain('topo-shared');
    const ids = new Set(g.nodes.map((n) => n.id));
    for (const edge of g.edges) expect(ids.has(edge.from) && ids.has(edge.to)).toBe(true);
    // GraphQL answers the same graph.
    const res = await t
      .gql('{ topology { nodes { id name } edges { id } } }', undefined, key.teamA)
      .expect(200);
    const data = res.body as {
      data: { topology: { nodes: Array<{ id: string }>; edges: Array<{ id: string }> } };
    };
    expect(data.data.topology.nodes.map((n) => n.id)).toEqual(g.nodes.map((n) => n.id));
    expect(data.data.topology.edges.map((e) => e.id)).toEqual(g.edges.map((e) => e.id));
  });

  it('filters by network (repeatable), label and engine, combined with AND', async () => {
    const admin = t.config.ADMIN_API_KEY!;
    const byNetwork = await topology(admin, { network: ['topo-a', 'topo-shared'] });
    expect(names(byNetwork)).toEqual(['topo-a', 'topo-shared', 'admin-box', 'box-a', 'box-a2']);
    const topoA = engine.network('topo-a')!;
    const byPrefix = await topology(admin, { network: topoA.id.slice(0, 12) });
    expect(names(byPrefix)).toEqual(['topo-a', 'box-a', 'box-a2']);
    expect(byPrefix.edges.every((e) => e.to === `network:${topoA.id}`)).toBe(true);
    const byLabel = await topology(admin, { label: 'tier=front' });
    expect(names(byLabel)).toEqual(['topo-a', 'box-a']);
    const both = await topology(admin, { label: 'tier', network: 'topo-shared' });
    expect(names(both)).toEqual([]);
    const info = await engine.info();
    for (const ref of [info.name, info.id, info.id.slice(0, 6)]) {
      expect((await topology(admin, { engine: ref })).engine.id).toBe(info.id);
    }
  });

  it('refuses what it cannot answer with the codes used elsewhere', async () => {
    const cases: Array<[Record<string, string>, number, string]> = [
      [{ format: 'png' }, 400, 'VALIDATION_FAILED'],
      [{ colour: 'red' }, 400, 'VALIDATION_FAILED'],
      [{ theme: 'dark' }, 400, 'VALIDATION_FAILED'],
      [{ label: '=x' }, 400, 'VALIDATION_FAILED'],
      [{ network: 'no-such-net' }, 404, 'NETWORK_NOT_FOUND'],
      [{ template: 'no-such-template' }, 404, 'TEMPLATE_NOT_FOUND'],
      [{ engine: 'another-engine' }, 404, 'ENGINE_NOT_FOUND'],
    ];
    for (const [query, status, code] of cases) {
      const res = await t.http.get('/api/v1/topology').query(query);
      expect([res.status, (res.body as { code: string }).code]).toEqual([status, code]);
    }
    // Another scope's network is not found, as in the network routes.
    const res = await t.as(key.teamA).get('/api/v1/topology').query({ network: 'topo-b' });
    expect((res.body as { code: string }).code).toBe('NETWORK_NOT_FOUND');
    await t.anon.get('/api/v1/topology').expect(401);
    const gql = await t.gql('{ topology(filter: { engine: "elsewhere" }) { engine { id } } }').expect(200);
    const body = gql.body as { errors: Array<{ extensions: { code: string }; message: string }> };
    expect(body.errors[0].extensions.code).toBe('ENGINE_NOT_FOUND');
    expect(body.errors[0].message).toContain('manages one engine');
  });

  // Red team F2: the engine's id, name and version are for unscoped keys (as on /health/ready).
  it('tells a scoped key nothing of the engine, in the graph, the picture and the ENGINE_NOT_FOUND refusal', async () => {
    const info = await engine.info();
    const scoped = await topology(key.teamA);
    expect(scoped.engine).toEqual({ id: null, name: null, version: null });
    const unscoped = await topology(key.viewer);
    expect(unscoped.engine).toEqual({ id: info.id, name: info.name, version: info.serverVersion });
    // The filter still works for a scoped key: its own engine passes, another is refused...
    expect((await topology(key.teamA, { engine: info.name })).engine).toEqual(scoped.engine);
    const wrong = await t.as(key.teamA).get('/api/v1/topology').query({ engine: 'elsewhere' }).expect(404);
    const problem = wrong.body as { code: string; detail: string; context: Record<string, unknown> };
    expect(problem.code).toBe('ENGINE_NOT_FOUND');
    // ... without naming the engine it manages.
    expect(problem.context).toEqual({ engine: 'elsewhere' });
    expect(JSON.stringify(wrong.body)).not.toContain(info.id);
    expect(JSON.stringify(wrong.body)).not.toContain(info.name);
    // The unscoped key is told which engine it is.
    const told = await t.as(key.viewer).get('/api/v1/topology').query({ engine: 'elsewhere' }).expect(404);
    expect((told.body as { context: { managed: unknown } }).context.managed).toEqual(unscoped.engine);
    for (const format of ['svg', 'mermaid', 'dot']) {
      const res = await t.as(key.teamA).get('/api/v1/topology').query({ format }).expect(200);
      // supertest keeps an SVG answer as a Buffer.
      const text = res.text ?? Buffer.from(res.body as Buffer).toString('utf8');
      expect(text.length).toBeGreaterThan(100);
      expect(text).not.toContain(info.name);
      expect(text).not.toContain(info.id);
      expect(text).not.toContain(info.serverVersion);
      expect(text).not.toMatch(/Engine null|Docker null/);
    }
    const gql = await t.gql('{ topology { engine { id name version } } }', undefined, key.teamA).expect(200);
    expect((gql.body as { data: { topology: { engine: unknown } } }).data.topology.engine).toEqual(
      scoped.engine,
    );
    const gqlWrong = await t
      .gql('{ topology(filter: { engine: "elsewhere" }) { engine { id } } }', undefined, key.teamA)
      .expect(200);
    expect(JSON.stringify(gqlWrong.body)).toContain('ENGINE_NOT_FOUND');
    expect(JSON.stringify(gqlWrong.body)).not.toContain(info.id);
    expect(JSON.stringify(gqlWrong.body)).not.toContain(info.name);
  });

  // Red team F5: labels are matched as own properties, as the lists match them.
  it('matches no label named after an Object.prototype member', async () => {
    const admin = t.config.ADMIN_API_KEY!;
    for (const label of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'toString=x']) {
      expect((await topology(admin, { label })).nodes).toEqual([]);
    }
    const gql = await t.gql('{ topology(filter: { label: ["constructor"] }) { nodes { id } } }').expect(200);
    expect((gql.body as { data: { topology: { nodes: unknown[] } } }).data.topology.nodes).toEqual([]);
  });

  // Red team F4: NUL, other control characters and bidi controls are refused alike in every filter.
  it('refuses control and bidi characters in every filter with 400 VALIDATION_FAILED naming the field', async () => {
    const admin = t.config.ADMIN_API_KEY!;
    for (const field of ['network', 'label', 'template', 'engine']) {
      for (const bad of ['a\u0000b', 'a\nb', 'a\u001bb', 'topo-\u202eatem', 'a\u2066b', 'a\u200fb']) {
        const res = await t
          .as(admin)
          .get('/api/v1/topology')
          .query({ [field]: bad });
        const body = res.body as { code: string; errors: Array<{ field: string; message: string }> };
        expect([res.status, body.code, body.errors?.[0]?.field]).toEqual([400, 'VALIDATION_FAILED', field]);
        // The refusal never echoes the character.
        const told = [(body as { detail?: string }).detail ?? '', ...body.errors.map((e) => e.message)].join(
          ' ',
        );
        // eslint-disable-next-line no-control-regex -- the point
        expect(told).not.toMatch(/[\u0000\n\u001b\u202e\u2066\u200f]/);
      }
    }
    const nul = await t.as(admin).get('/api/v1/topology').query({ network: 'a\u0000b' }).expect(400);
    expect((nul.body as { errors: Array<{ message: string }> }).errors[0].message).toContain('NUL');
    const gql = await t.gql('{ topology(filter: { network: ["a\\u202eb"] }) { nodes { id } } }').expect(200);
    expect(JSON.stringify(gql.body)).toContain('VALIDATION_FAILED');
  });

  // Red team F10: a single-valued parameter given twice is told as such.
  it('says a single-valued parameter was given more than once', async () => {
    const admin = t.config.ADMIN_API_KEY!;
    for (const [field, values] of [
      ['format', ['svg', 'json']],
      ['theme', ['dark', 'light']],
      ['template', ['a', 'b']],
      ['engine', ['a', 'b']],
    ] as const) {
      const query = field === 'theme' ? { format: 'svg', theme: [...values] } : { [field]: [...values] };
      const res = await t.as(admin).get('/api/v1/topology').query(query).expect(400);
      const errors = (res.body as { errors: Array<{ field: string; message: string }> }).errors;
      expect(errors.find((e) => e.field === field)?.message).toContain(`${field} is given more than once`);
    }
  });

  // Red team F9: the OpenAPI answers of the route name its own codes.
  it("describes the route's own problem codes in OpenAPI", async () => {
    const doc = (await t.http.get('/api/openapi.json').expect(200)).body as {
      paths: Record<
        string,
        {
          get: {
            responses: Record<
              string,
              { description: string; content: Record<string, { example: { code: string } }> }
            >;
          };
        }
      >;
    };
    const responses = doc.paths['/api/v1/topology'].get.responses;
    const description = (status: string) => responses[status].description;
    const example = (status: string) => responses[status].content['application/problem+json'].example.code;
    for (const code of ['NETWORK_NOT_FOUND', 'TEMPLATE_NOT_FOUND', 'ENGINE_NOT_FOUND']) {
      expect(description('404')).toContain(code);
    }
    expect(description('409')).toContain('AMBIGUOUS_REFERENCE');
    expect(description('422')).toContain('TOPOLOGY_TOO_LARGE');
    expect(description('422')).not.toContain('UNSUPPORTED_BY_ENGINE');
    expect([example('404'), example('409'), example('422')]).toEqual([
      'NETWORK_NOT_FOUND',
      'AMBIGUOUS_REFERENCE',
      'TOPOLOGY_TOO_LARGE',
    ]);
    expect(description('400')).toContain('VALIDATION_FAILED');
    expect(description('401')).toContain('UNAUTHENTICATED');
  });

  it('writes Mermaid and DOT with the content types of each, and on GraphQL when asked', async () => {
    const mermaid = await t.as(key.viewer).get('/api/v1/topology').query({ format: 'mermaid' }).expect(200);
    expect(mermaid.headers['content-type']).toBe('text/vnd.mermaid; charset=utf-8');
    expect(mermaid.text).toMatch(/^flowchart LR\n/);
    const dot = await t.as(key.viewer).get('/api/v1/topology').query({ format: 'dot' }).expect(200);
    expect(dot.headers['content-type']).toBe('text/vnd.graphviz; charset=utf-8');
    expect(dot.text).toMatch(/^digraph topology \{\n/);
    for (const name of ['box-a', 'topo-a', 'bridged-b']) {
      expect(mermaid.text).toContain(name);
      expect(dot.text).toContain(name);
    }
    const json = await t.as(key.viewer).get('/api/v1/topology').expect(200);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    const res = await t.gql('{ topology { mermaid dot } }', undefined, key.viewer).expect(200);
    const data = (res.body as { data: { topology: { mermaid: string; dot: string } } }).data.topology;
    expect(data.mermaid).toMatch(/^flowchart LR\n/);
    expect(data.dot).toMatch(/^digraph topology/);
  });

  it("draws a template's networks and containers and its expectations with their last results", async () => {
    const admin = t.config.ADMIN_API_KEY!;
    await t
      .as(admin)
      .post('/api/v1/templates')
      .send({
        name: 'topo-tour',
        networks: { 'topo-tour-net': { ipam: { config: [{ subnet: '10.130.9.0/24' }] } } },
        containers: {
          'topo-tour-a': { image: IMAGE, command: ['sleep', '3600'], networks: { 'topo-tour-net': {} } },
          'topo-tour-b': { image: IMAGE, command: ['sleep', '3600'], networks: { 'topo-tour-net': {} } },
        },
        expectations: [
          { from: 'topo-tour-a', to: 'topo-tour-b', reachable: true },
          { from: 'topo-tour-b', to: 'topo-tour-a', reachable: false },
        ],
      })
      .expect(201);
    const before = await topology(admin, { template: 'topo-tour' });
    expect(before.nodes).toEqual([]);
    expect(before.template).toBe('topo-tour');
    expect(before.expectations?.map((e) => [e.fromName, e.toName, e.passed, e.from])).toEqual([
      ['topo-tour-a', 'topo-tour-b', null, null],
      ['topo-tour-b', 'topo-tour-a', null, null],
    ]);
    const applied = await t.as(admin).post('/api/v1/templates/topo-tour/apply').send({});
    expect(applied.status).toBeLessThan(300);
    const g = await topology(admin, { template: 'topo-tour' });
    expect(names(g)).toEqual(['topo-tour-net', 'topo-tour-a', 'topo-tour-b']);
    const deployment = applied.body as { id: string };
    expect(g.expectations).toEqual([
      expect.objectContaining({
        fromName: 'topo-tour-a',
        toName: 'topo-tour-b',
        from: idOf(g, 'topo-tour-a'),
        to: idOf(g, 'topo-tour-b'),
        reachable: true,
        passed: true,
        diagnosis: null,
        deploymentId: deployment.id,
      }),
      expect.objectContaining({
        fromName: 'topo-tour-b',
        reachable: false,
        passed: false,
        diagnosis: expect.objectContaining({ code: 'REACHABLE' }),
        deploymentId: deployment.id,
      }),
    ]);
    const mermaid = await t.http.get('/api/v1/topology').query({ template: 'topo-tour', format: 'mermaid' });
    expect(mermaid.text).toContain('expect reach: pass');
    expect(mermaid.text).toContain('expect no reach: FAIL');
    // Out of another scope's reach, as the template routes answer.
    const hidden = await t.as(key.teamA).get('/api/v1/topology').query({ template: 'topo-tour' });
    expect((hidden.body as { code: string }).code).toBe('TEMPLATE_NOT_FOUND');
    const res = await t
      .gql('query($f: TopologyFilterInput) { topology(filter: $f) { template expectations { passed } } }', {
        f: { template: 'topo-tour' },
      })
      .expect(200);
    expect((res.body as { data: { topology: unknown } }).data.topology).toEqual({
      template: 'topo-tour',
      expectations: [{ passed: true }, { passed: false }],
    });
  });
});
