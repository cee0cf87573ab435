import { join } from 'node:path';
import { TEST_ADMIN_KEY } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine, docker } from '../support/engine';
import { runPrefix } from '../support/names';
import { freePort, ServiceProcesses, type ServiceProcess } from '../support/service-process';
import { runTempDir } from '../support/temp';
import { waitFor } from '../support/wait';
import { SVG_PER_OPERATION } from '../../src/topology/topology.resolver';
import { SVG_MAX_WAITING } from '../../src/topology/topology-renderer';
import type { TopologyGraph } from '../../src/topology/topology.types';

// Subnets of this file: 10.132.0.0/16.
//
// Red team F1 and F7 of issue #13, against the built service (dist/main.js, `npm run build`): SVG
// pictures are drawn in a worker thread, so that /health/live answers while a large one is drawn;
// one at a time with at most SVG_MAX_WAITING waiting, the next refused 429 TOPOLOGY_BUSY; a GraphQL
// operation with 20 aliased `svg` fields draws SVG_PER_OPERATION of them and keeps the rest of its
// answer (svg is nullable).
describe('topology SVG rendering off the event loop', () => {
  const p = runPrefix('tqueue');
  const dir = runTempDir('tqueue-');
  const services = new ServiceProcesses();
  const networks = [1, 2, 3].map((i) => `${p}n${i}`);
  const CONTAINERS = 240;
  let service: ServiceProcess;
  let base = '';
  const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

  const topology = (query: string) => fetch(`${base}/api/v1/topology?${query}`, { headers: auth });
  const byNetworks = (names: string[]) => names.map((n) => `network=${encodeURIComponent(n)}`).join('&');

  beforeAll(async () => {
    await cleanupEngine(p);
    for (const [i, name] of networks.entries()) {
      await docker.createNetwork({
        Name: name,
        Labels: { [TEST_LABEL]: p },
        IPAM: { Config: [{ Subnet: `10.132.${i + 1}.0/24` }] },
      });
    }
    // Created, never started: a large graph without the engine's cost of running containers.
    const names = Array.from({ length: CONTAINERS }, (_, i) => `${p}c${i}`);
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(
        names.slice(i, i + 10).map((name, j) =>
          docker.createContainer({
            name,
            Image: TEST_IMAGE,
            Cmd: ['sleep', '3600'],
            Labels: { [TEST_LABEL]: p },
            HostConfig: { NetworkMode: networks[(i + j) % networks.length] },
          }),
        ),
      );
    }
    const port = await freePort();
    service = services.start({
      PORT: String(port),
      DATABASE_PATH: join(dir, 'switchyard.sqlite'),
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      // One key sends every request here: the per-key limits are not what is tested.
      MAX_IN_FLIGHT_PER_KEY: '100',
      RATE_LIMIT_PER_SECOND: '1000',
      RATE_LIMIT_BURST: '1000',
    });
    base = `http://127.0.0.1:${port}`;
    await service.waitFor200(`${base}/health/ready`);
    await waitFor(
      async () => {
        const res = await topology(byNetworks(networks));
        const graph = (await res.json()) as TopologyGraph;
        return graph.nodes?.length === networks.length + CONTAINERS;
      },
      { what: `the ${CONTAINERS} containers in the topology`, timeoutMs: 60_000 },
    );
  });

  afterAll(async () => {
    await services.stopAll();
    await cleanupEngine(p);
  });

  it('answers /health/live while large pictures are drawn', async () => {
    // What answered, in order: each picture, and each probe of a loop that sends the next probe
    // once the last is answered, until every picture is.
    const order: string[] = [];
    let drawing = true;
    const svg = (theme: string) =>
      topology(`${byNetworks(networks)}&format=svg&theme=${theme}`).then(async (res) => {
        expect(res.status).toBe(200);
        expect(await res.text()).toContain(`${p}c${CONTAINERS - 1}`);
        order.push('svg');
      });
    // Three distinct pictures of the whole graph, drawn one after the other.
    const pictures = Promise.all(['light', 'dark', 'auto'].map(svg)).finally(() => (drawing = false));
    while (drawing) {
      const live = await fetch(`${base}/health/live`);
      expect(live.status).toBe(200);
      order.push('live');
    }
    await pictures;
    // Probes answered between one picture's answer and the next's, that is while the next was
    // drawn. On the event loop, a probe could only slip in before the next drawing began.
    const between = order
      .join(' ')
      .split('svg')
      .slice(1, -1)
      .map((probes) => probes.trim().split(' ').filter(Boolean).length);
    expect(between).toHaveLength(2);
    expect(Math.max(...between)).toBeGreaterThanOrEqual(5);
  });

  it(`refuses a picture at once with 429 TOPOLOGY_BUSY when ${SVG_MAX_WAITING} wait behind the one drawn`, async () => {
    // Distinct pictures (subsets of the networks, each theme), none drawn before.
    const subsets = [[0], [1], [2], [0, 1], [0, 2], [1, 2]].map((s) => s.map((i) => networks[i]));
    const queries = subsets.flatMap((s) =>
      ['light', 'dark', 'auto'].map((theme) => `${byNetworks(s)}&format=svg&theme=${theme}`),
    );
    // Six keys of three pictures each: one key may have SVG_MAX_WAITING_PER_KEY waiting, so the
    // service-wide limit is what refuses here.
    const keys: string[] = [];
    for (let i = 0; i < queries.length / 3; i++) {
      const res = await fetch(`${base}/api/v1/api-keys`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `${p}k${i}`, role: 'viewer' }),
      });
      expect(res.status).toBe(201);
      keys.push(((await res.json()) as { key: string }).key);
    }
    const answers = await Promise.all(
      queries.map(async (q, i) => {
        const res = await fetch(`${base}/api/v1/topology?${q}`, {
          headers: { authorization: `Bearer ${keys[i % keys.length]}` },
        });
        const body = await res.text();
        return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
      }),
    );
    const refused = answers.filter((a) => a.status === 429);
    const drawn = answers.filter((a) => a.status === 200);
    expect(refused.length + drawn.length).toBe(queries.length);
    expect(refused.length).toBeGreaterThan(0);
    expect(drawn.length).toBeGreaterThanOrEqual(SVG_MAX_WAITING + 1);
    for (const answer of refused) {
      const problem = JSON.parse(answer.body) as { code: string; detail: string };
      expect(problem.code).toBe('TOPOLOGY_BUSY');
      expect(problem.detail).toMatch(/Retry in 1 s/);
      expect(answer.retryAfter).toBe('1');
    }
    // Other formats are not queued, and the service still answers.
    expect((await topology(`${byNetworks(networks)}&format=dot`)).status).toBe(200);
  });

  it(`draws ${SVG_PER_OPERATION} of 20 aliased svg fields of one GraphQL operation; the others are null with QUERY_TOO_COMPLEX`, async () => {
    const fields = Array.from(
      { length: 20 },
      (_, i) =>
        `a${i}: topology(filter: { network: ${JSON.stringify(networks.slice(0, (i % 3) + 1))} }) { engine { name } svg(theme: ${['light', 'dark', 'auto'][i % 3]}) }`,
    );
    // Quoted names in a GraphQL list: JSON's quoting is GraphQL's for these names.
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ ${fields.join('\n')} }` }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      data: Record<string, { engine: { name: string }; svg: string | null }> | null;
      errors?: { path: (string | number)[]; extensions: { code: string } }[];
    };
    expect(body.data).not.toBeNull();
    const answers = Object.values(body.data!);
    expect(answers).toHaveLength(20);
    // The rest of each answer stays (F7: svg is nullable).
    for (const answer of answers) expect(answer.engine.name).toEqual(expect.any(String));
    expect(answers.filter((a) => a.svg !== null)).toHaveLength(SVG_PER_OPERATION);
    for (const a of answers.filter((a) => a.svg !== null)) expect(a.svg).toMatch(/<svg/);
    expect(body.errors).toHaveLength(20 - SVG_PER_OPERATION);
    for (const error of body.errors!) {
      expect(error.extensions.code).toBe('QUERY_TOO_COMPLEX');
      expect(error.path[1]).toBe('svg');
      expect(body.data![error.path[0]].svg).toBeNull();
    }
  });

  it('stops on SIGTERM with the worker running', async () => {
    service.child.kill('SIGTERM');
    expect(await service.exit).toEqual({ code: 0, signal: null });
  });
});
