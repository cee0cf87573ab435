// The topology SVG (issue 13): how long the service takes to lay out (dagre, label check and repair)
// and to render the picture, for estates of 10, 50 and 200 containers on one network per 5
// containers (every 4th container also on the next network, every 20th on a third; every 7th
// stopped), the same estates as the unit tests (test/unit/topology-svg.fixtures.ts). Pure code: no
// engine, no service. Reports per size the median and p95 of `layoutTopology` and of `renderSvg`
// (which lays out again), the picture's size and the SVG's bytes, and that no label boxes overlap.
//
// Usage: npm run bench:topology-svg   (builds dist/ first when it is older than src/topology)
// Settings: BENCH_SIZES (default 10,50,200), BENCH_ITERATIONS (timed runs per size, default 30),
// BENCH_BUDGET_MS (stop a size's loop early after this long, default 20000).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const env = process.env;
const SIZES = (env.BENCH_SIZES ?? '10,50,200').split(',').filter(Boolean).map(Number);
const ITERATIONS = Math.max(1, Number(env.BENCH_ITERATIONS ?? 30));
const BUDGET_MS = Number(env.BENCH_BUDGET_MS ?? 20_000);
const WARMUP = 3;
const ROOT = new URL('..', import.meta.url).pathname;
const BUILT = join(ROOT, 'dist/topology/render/svg.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const fresh = () => existsSync(BUILT) && statSync(BUILT).mtimeMs >= newestMtime(join(ROOT, 'src/topology'));

function ensureBuilt() {
  if (fresh()) return;
  console.log('dist/ is older than src/topology: npm run build');
  const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', timeout: 300_000 });
  // Type errors elsewhere in the service still emit these files: what is measured is fresh.
  if (built.status !== 0 && !fresh()) throw new Error('npm run build failed');
}

const id = (kind, name) => `${kind}:${Buffer.from(name).toString('hex').padEnd(64, '0').slice(0, 64)}`;

function estate(containers) {
  const count = Math.max(1, Math.round(containers / 5));
  const networks = Array.from({ length: count }, (_, k) => {
    const name = `estate-net-${String(k).padStart(2, '0')}`;
    return {
      id: id('network', name),
      kind: 'network',
      name,
      driver: 'bridge',
      subnets: [`10.${60 + k}.0.0/24`],
    };
  });
  const nodes = [...networks];
  const edges = [];
  for (let i = 0; i < containers; i++) {
    const stopped = i % 7 === 3;
    const name = `estate-app-${String(i).padStart(3, '0')}`;
    const c = {
      id: id('container', name),
      kind: 'container',
      name,
      state: stopped ? 'exited' : i % 13 === 5 ? 'paused' : 'running',
      image: i % 3 === 0 ? 'nginx:1.27-alpine' : 'switchyard/busybox:latest',
    };
    nodes.push(c);
    const on = [i % count];
    if (i % 4 === 1 && count > 1) on.push((i + 1) % count);
    if (i % 20 === 1 && count > 2) on.push((i + 2) % count);
    for (const k of on) {
      edges.push({
        id: `${c.id}|${networks[k].id}`,
        from: c.id,
        to: networks[k].id,
        ipv4Address: stopped ? null : `10.${60 + k}.${Math.floor(i / 200)}.${10 + (i % 200)}`,
        ipv6Address: null,
        macAddress: stopped ? null : '02:42:0a:00:00:01',
        aliases: i % 5 === 0 ? [`app${i}`] : [],
      });
    }
  }
  return {
    engine: { id: 'bench', name: 'bench', version: '26.1' },
    nodes,
    edges,
    generatedAt: '2026-11-30T12:00:00.000Z',
  };
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function time(fn) {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

function measure(fn) {
  for (let i = 0; i < WARMUP; i++) fn();
  const times = [];
  const deadline = performance.now() + BUDGET_MS;
  for (let i = 0; i < ITERATIONS && (i === 0 || performance.now() < deadline); i++) times.push(time(fn));
  times.sort((a, b) => a - b);
  return { median: quantile(times, 0.5), p95: quantile(times, 0.95), runs: times.length };
}

ensureBuilt();
const require = createRequire(import.meta.url);
const { layoutTopology, renderSvg, labelOverlaps } = require(BUILT);

console.log(
  `node ${process.version}, ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)}`,
);
console.log(
  'containers | networks | endpoints | layout median / p95 | renderSvg median / p95 | picture | SVG bytes | overlaps',
);
for (const size of SIZES) {
  const graph = estate(size);
  const layout = layoutTopology(graph);
  const overlaps = labelOverlaps(layout).length;
  const svg = renderSvg(graph);
  const l = measure(() => layoutTopology(graph));
  const r = measure(() => renderSvg(graph));
  const networks = graph.nodes.filter((n) => n.kind === 'network').length;
  console.log(
    `${size} | ${networks} | ${graph.edges.length} | ${l.median.toFixed(1)} / ${l.p95.toFixed(1)} ms | ` +
      `${r.median.toFixed(1)} / ${r.p95.toFixed(1)} ms (${r.runs} runs) | ${layout.width} x ${layout.height} | ` +
      `${Buffer.byteLength(svg)} | ${overlaps}`,
  );
  if (overlaps > 0) process.exitCode = 1;
}
