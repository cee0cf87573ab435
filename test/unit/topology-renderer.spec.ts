import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '../../src/common/errors/domain-error';
import { RenderQueue, RenderQueueFull, SvgWorker, workerScript } from '../../src/topology/render/render-pool';
import { answer } from '../../src/topology/render/svg-worker';
import {
  SVG_MAX_NODES,
  SVG_MAX_WAITING,
  SVG_MAX_WAITING_PER_KEY,
  TopologyRenderer,
} from '../../src/topology/topology-renderer';
import type { TopologyGraph, TopologyNode } from '../../src/topology/topology.types';

const engine = { id: 'ENGINE', name: 'engine', version: '26.1.5' };

function graphOf(containers: number, generatedAt = '2026-11-30T00:00:00.000Z'): TopologyGraph {
  const nodes: TopologyNode[] = [{ id: 'network:n1', kind: 'network', name: 'net', driver: 'bridge' }];
  const edges = [];
  for (let i = 0; i < containers; i++) {
    nodes.push({ id: `container:c${i}`, kind: 'container', name: `c${i}`, state: 'running' });
    edges.push({
      id: `container:c${i}|network:n1`,
      from: `container:c${i}`,
      to: 'network:n1',
      ipv4Address: `10.0.${Math.floor(i / 250)}.${(i % 250) + 2}`,
      ipv6Address: null,
      macAddress: null,
      aliases: [],
    });
  }
  return { engine, nodes, edges, generatedAt };
}

// A draw the test finishes by hand: every call waits until release() answers it.
function heldDraw() {
  const calls: { graph: TopologyGraph; release: () => void }[] = [];
  let running = 0;
  let most = 0;
  const draw = (graph: TopologyGraph) =>
    new Promise<string>((resolve) => {
      running++;
      most = Math.max(most, running);
      calls.push({
        graph,
        release: () => {
          running--;
          resolve(`<svg>${graph.nodes.length}</svg>`);
        },
      });
    });
  return { draw, calls, most: () => most };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('topology renderer', () => {
  it('answers each format with its media type', async () => {
    const renderer = new TopologyRenderer();
    const graph = graphOf(2);
    expect(await renderer.render(graph, 'json')).toEqual({
      contentType: expect.stringMatching(/^application\/json/),
      body: graph,
    });
    expect((await renderer.render(graph, 'mermaid')).contentType).toMatch(/^text\/vnd\.mermaid/);
    expect((await renderer.render(graph, 'dot')).contentType).toMatch(/^text\/vnd\.graphviz/);
    const svg = await renderer.render(graph, 'svg', 'dark');
    expect(svg.contentType).toMatch(/^image\/svg\+xml/);
    expect(svg.body).toContain('c1');
  });

  it('draws the same graph read at another time from its cache, and another graph anew', async () => {
    const held = heldDraw();
    const renderer = TopologyRenderer.drawingWith(held.draw);
    const first = renderer.svg(graphOf(3, '2026-11-30T00:00:00.000Z'), 'light');
    await settle();
    held.calls[0].release();
    expect(await first).toBe('<svg>4</svg>');
    expect(await renderer.svg(graphOf(3, '2026-11-30T00:00:09.000Z'), 'light')).toBe('<svg>4</svg>');
    expect(held.calls).toHaveLength(1);
    const dark = renderer.svg(graphOf(3), 'dark');
    await settle();
    expect(held.calls).toHaveLength(2);
    held.calls[1].release();
    await dark;
  });

  it(`refuses an SVG of more than ${SVG_MAX_NODES} nodes with what to do instead`, async () => {
    const renderer = new TopologyRenderer();
    const error = (await renderer.svg(graphOf(SVG_MAX_NODES)).catch((e: unknown) => e)) as DomainError;
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('TOPOLOGY_TOO_LARGE');
    expect(error.message).toMatch(/network=, label= or template=/);
    // The text formats have no such limit.
    expect((await renderer.render(graphOf(SVG_MAX_NODES), 'dot')).body).toContain('c299');
  });

  it('draws one picture at a time, and one asked for again while it waits or runs once for every caller', async () => {
    const held = heldDraw();
    const renderer = TopologyRenderer.drawingWith(held.draw);
    const a1 = renderer.svg(graphOf(1), 'light');
    const b1 = renderer.svg(graphOf(2), 'light');
    const a2 = renderer.svg(graphOf(1, '2026-11-30T00:00:05.000Z'), 'light');
    const b2 = renderer.svg(graphOf(2), 'light');
    await settle();
    expect(held.calls).toHaveLength(1);
    held.calls[0].release();
    await settle();
    expect(held.calls).toHaveLength(2);
    held.calls[1].release();
    expect(await Promise.all([a1, a2, b1, b2])).toEqual([
      '<svg>2</svg>',
      '<svg>2</svg>',
      '<svg>3</svg>',
      '<svg>3</svg>',
    ]);
    expect(held.most()).toBe(1);
  });

  it(`refuses at once with TOPOLOGY_BUSY and Retry-After when ${SVG_MAX_WAITING} pictures wait behind the one drawn`, async () => {
    const held = heldDraw();
    const renderer = TopologyRenderer.drawingWith(held.draw);
    const accepted = [];
    for (let i = 1; i <= SVG_MAX_WAITING + 1; i++) accepted.push(renderer.svg(graphOf(i), 'dark'));
    await settle();
    const refused = (await renderer.svg(graphOf(50), 'dark').catch((e: unknown) => e)) as DomainError;
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused.code).toBe('TOPOLOGY_BUSY');
    expect(refused.status).toBe(429);
    expect(refused.options.headers).toEqual({ 'retry-after': '1' });
    expect(refused.message).toMatch(/Retry in 1 s/);
    // A picture already waiting is shared, not refused.
    const shared = renderer.svg(graphOf(SVG_MAX_WAITING + 1), 'dark');
    for (let i = 0; i <= SVG_MAX_WAITING; i++) {
      held.calls[i].release();
      await settle();
    }
    await Promise.all(accepted);
    expect(await shared).toBe(`<svg>${SVG_MAX_WAITING + 2}</svg>`);
    expect(held.calls).toHaveLength(SVG_MAX_WAITING + 1);
    // Room again once the queue moved.
    const later = renderer.svg(graphOf(50), 'dark');
    await settle();
    held.calls[SVG_MAX_WAITING + 1].release();
    expect(await later).toBe('<svg>51</svg>');
  });

  it(`lets one key have ${SVG_MAX_WAITING_PER_KEY} pictures waiting, and others still queue behind them`, async () => {
    const held = heldDraw();
    const renderer = TopologyRenderer.drawingWith(held.draw);
    const mine = [1, 2, 3].map((n) => renderer.svg(graphOf(n), 'light', 'key-a'));
    // The first runs; two wait: key-a's share is full.
    const refused = await renderer.svg(graphOf(4), 'light', 'key-a').catch((e: unknown) => e);
    expect((refused as DomainError).code).toBe('TOPOLOGY_BUSY');
    expect((refused as DomainError).message).toMatch(/This key has 2 SVG pictures waiting/);
    expect((refused as DomainError).context).toMatchObject({ perKey: true });
    // Another key is not refused for key-a's pictures.
    const theirs = renderer.svg(graphOf(5), 'light', 'key-b');
    // One at a time: each picture is released as it starts, until all four were drawn.
    for (let released = 0; released < 4;) {
      await new Promise((r) => setImmediate(r));
      if (held.calls.length > released) held.calls[released++].release();
    }
    await expect(Promise.all([...mine, theirs])).resolves.toHaveLength(4);
  });

  it('keeps drawing after a render failed', async () => {
    const queue = new RenderQueue(1);
    await expect(queue.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(queue.run('a', () => Promise.resolve('again'))).resolves.toBe('again');
    void queue.run('b', () => new Promise(() => undefined));
    void queue.run('c', () => Promise.resolve('c'));
    expect(() => queue.run('d', () => Promise.resolve('d'))).toThrow(RenderQueueFull);
  });

  it('draws in-process, after pending I/O, when run from the TypeScript sources (no compiled worker)', async () => {
    expect(workerScript()).toBeNull();
    const renderer = new TopologyRenderer();
    let drawn = false;
    const picture = renderer.svg(graphOf(2), 'light').then((svg) => {
      drawn = true;
      return svg;
    });
    await Promise.resolve();
    expect(drawn).toBe(false);
    expect(await picture).toMatch(/<svg[\s\S]*c1[\s\S]*<\/svg>\s*$/);
    await renderer.onApplicationShutdown();
  });

  it("the worker's answer is the picture, or the renderer's error by message", () => {
    expect(answer({ id: 7, graph: graphOf(1), theme: 'dark' })).toEqual({
      id: 7,
      svg: expect.stringContaining('c0') as string,
    });
    const broken = { ...graphOf(1), nodes: null } as unknown as TopologyGraph;
    expect(answer({ id: 8, graph: broken })).toEqual({ id: 8, error: expect.any(String) as string });
  });
});

// The worker thread's life, with a stand-in script: answers, dies, comes back, is ended.
describe('SVG worker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svg-worker-'));
  const script = join(dir, 'worker.js');
  writeFileSync(
    script,
    `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (job) => {
  if (job.graph.nodes.length === 0) process.exit(3);
  if (job.theme === 'hang') return;
  parentPort.postMessage({ id: job.id, svg: 'svg of ' + job.graph.nodes.length + ' ' + job.theme });
});`,
  );
  const worker = new SvgWorker(script);
  afterAll(async () => {
    await worker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers, is started again after it died, and refuses once closed', async () => {
    expect(await worker.draw(graphOf(1), 'dark')).toBe('svg of 2 dark');
    const empty = { ...graphOf(0), nodes: [] };
    await expect(worker.draw(empty)).rejects.toThrow(/exited \(code 3\)/);
    expect(await worker.draw(graphOf(2), 'light')).toBe('svg of 3 light');
    await worker.close();
    await expect(worker.draw(graphOf(1))).rejects.toThrow(/stopping/);
  });

  it('ends a worker that does not answer within its deadline, and draws the next picture with a new one', async () => {
    const hurried = new SvgWorker(script, 300);
    try {
      await expect(hurried.draw(graphOf(1), 'hang' as never)).rejects.toThrow(/longer than 300 ms/);
      expect(await hurried.draw(graphOf(1), 'dark')).toBe('svg of 2 dark');
    } finally {
      await hurried.close();
    }
  });
});

describe('GraphQL schema', () => {
  it('has svg nullable, so that a refused picture nulls only itself', () => {
    const schema = readFileSync(join(__dirname, '..', '..', 'schema.gql'), 'utf8');
    expect(schema).toMatch(/\n\s+svg\(theme: SvgTheme\): String\n/);
  });
});
