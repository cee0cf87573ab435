// The read model's targets (issue 12), measured in one run against the raw engine socket on the same
// machine: listing networks through Switchyard (`GET /api/v1/networks`, admin key) against the
// engine's own `GET /networks`, one request at a time and at concurrency 8, at estate sizes of 10, 100
// and 1,000 networks (2 containers per network: 2,000 at the largest); the model's memory; the lag
// from a change made straight on the engine until the service's read shows it. Every figure also with
// READ_MODEL=false (the engine path), so that the gain is visible. The three systems (engine,
// service with the model, service without) take turns within every round, the order rotating from
// round to round, so that the machine's noise hits them alike; the report gives medians of the rounds.
//
// The estate: bridge networks `sybench-rm-nNNNN` with explicit /24 subnets inside 10.120.0.0/14 and a
// few labels; containers `sybench-rm-cNNNNN` of switchyard/busybox running `sleep`, 2 per network
// (containers 2i and 2i+1 are created on network i). Thousands of running processes are not reasonable
// on a 2-core machine: one container in 10 (BENCH_RUNNING_EVERY) is started, and joins a second network
// (the next one) at create, so it has 2 endpoints; the others stay created (the engine's "Created" state:
// they count in `GET /containers/json?all=1` and in the model, not as endpoints). The report prints
// exactly what was on the engine, counted from the engine itself.
//
// Everything of the benchmark (name prefix `sybench-rm-`, label `switchyard-bench=read-model`) is
// swept at the start (a crashed run's leftovers), at the end, on failure and on Ctrl-C; every loop is
// bounded. Usage: npm run build && npm run bench:read-model   (needs the test engines: npm run engine:up)
// Settings: BENCH_DOCKER_HOST (default the swarm-less 26.1 test engine e26b), BENCH_SIZES (default
// 10,100,1000; at most 1020), BENCH_ROUNDS (3), BENCH_BATCH_MS (time the engine's answers of one batch
// take, 1500), BENCH_LAG_SAMPLES (20), BENCH_LAG_VIA (socket | cli: /usr/bin/docker), BENCH_RUNNING_EVERY
// (10), BENCH_CONTAINERS_PER_NETWORK (2), BENCH_CPU_PROF (a folder: the services at the largest size
// run with --cpu-prof into it), BENCH_JSON (a file for the raw results), BENCH_KEEP_ESTATE=1 (skip the
// final sweep; the next run's first sweep removes it).
import './read-model-engine.mjs';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { DOCKER_HOST, NODE_FLAGS, engineRequest, httpGet, load, rssMiB, startService } from './lib.mjs';

const env = process.env;
const SIZES = (env.BENCH_SIZES ?? '10,100,1000')
  .split(',')
  .filter(Boolean)
  .map(Number)
  .sort((a, b) => a - b);
const CONTAINERS_PER_NETWORK = Number(env.BENCH_CONTAINERS_PER_NETWORK ?? 2);
const RUNNING_EVERY = Number(env.BENCH_RUNNING_EVERY ?? 10);
const ROUNDS = Number(env.BENCH_ROUNDS ?? 3);
const BATCH_MS = Number(env.BENCH_BATCH_MS ?? 1500);
const LAG_SAMPLES = Number(env.BENCH_LAG_SAMPLES ?? 20);
// The engine path reads the engine on every poll: its lag is the poll's own duration. A few suffice.
const LAG_SAMPLES_ENGINE_PATH = Math.min(5, LAG_SAMPLES);
const LAG_VIA = env.BENCH_LAG_VIA ?? 'socket';
const CPU_PROF = env.BENCH_CPU_PROF;
const HEAP_SNAPSHOTS = env.BENCH_HEAP_SNAPSHOTS !== '0';
const CONCURRENCY = 8;
const POPULATE_POOL = 8;
const POLL_INTERVAL_MS = 2;
const LAG_DEADLINE_MS = 10_000;
const LIVE_DEADLINE_MS = 300_000;
const DOCKER_CLI = '/usr/bin/docker';
const IMAGE = env.TEST_IMAGE ?? 'switchyard/busybox:latest';
const PREFIX = 'sybench-rm-';
const LABEL_KEY = 'switchyard-bench';
const LABEL = { [LABEL_KEY]: 'read-model' };
// /24s inside 10.120.0.0/14: 1,024 of them; the last one is the lag probe's.
const MAX_NETWORKS = 1020;
const LAG_SUBNET = '10.123.255.0/24';

if (SIZES.length === 0 || SIZES.some((s) => !Number.isInteger(s) || s < 1 || s > MAX_NETWORKS))
  throw new Error(`BENCH_SIZES: whole numbers from 1 to ${MAX_NETWORKS}`);
if (!['socket', 'cli'].includes(LAG_VIA)) throw new Error('BENCH_LAG_VIA: socket or cli');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pad = (i, width) => String(i).padStart(width, '0');
const networkName = (i) => `${PREFIX}n${pad(i, 4)}`;
const containerName = (j) => `${PREFIX}c${pad(j, 5)}`;
const subnet = (i) => `10.${120 + (i >> 8)}.${i & 255}.0/24`;

// ---------------------------------------------------------------------------------------------
// Interruption: Ctrl-C / SIGTERM stop taking work; the cleanup runs in main's finally.

let interrupted = false;
function throwIfInterrupted() {
  if (interrupted) throw new Error('interrupted');
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping, then cleaning up`);
  });
}

// ---------------------------------------------------------------------------------------------
// The engine.

function parse(res, what) {
  if (res.status >= 300) throw new Error(`${what}: engine answered ${res.status} ${res.body.slice(0, 300)}`);
  return res.body ? JSON.parse(res.body) : null;
}

// Runs fn over items with at most `limit` in flight; `interruptible` pools take no item after Ctrl-C.
async function pool(items, limit, fn, { interruptible = true } = {}) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      if (interruptible) throwIfInterrupted();
      await fn(items[next++]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function engineVersion() {
  const version = parse(await engineRequest('GET', '/version'), 'version');
  const [major, minor] = version.ApiVersion.split('.').map(Number);
  return { engine: version.Version, api: version.ApiVersion, multiNetworkCreate: major > 1 || minor >= 44 };
}

const isBench = (name, labels) => name.startsWith(PREFIX) || labels?.[LABEL_KEY] === LABEL[LABEL_KEY];

async function benchContainers() {
  const all = parse(await engineRequest('GET', '/containers/json?all=1'), 'list containers');
  return all.filter((c) => isBench(c.Names[0]?.slice(1) ?? '', c.Labels));
}

async function benchNetworks() {
  const all = parse(await engineRequest('GET', '/networks'), 'list networks');
  return all.filter((n) => isBench(n.Name, n.Labels));
}

// Removes every container and network of the benchmark, whatever made them; a few passes, in case a
// create still in flight lands after the first listing.
async function sweep() {
  let removed = 0;
  for (let pass = 0; pass < 5; pass++) {
    const containers = await benchContainers();
    await pool(containers, POPULATE_POOL, (c) => engineRequest('DELETE', `/containers/${c.Id}?force=1`), {
      interruptible: false,
    });
    const networks = await benchNetworks();
    await pool(networks, POPULATE_POOL, (n) => engineRequest('DELETE', `/networks/${n.Id}`), {
      interruptible: false,
    });
    removed += containers.length + networks.length;
    if (containers.length + networks.length === 0) return removed;
    await sleep(500);
  }
  const left = (await benchContainers()).length + (await benchNetworks()).length;
  if (left > 0) throw new Error(`the sweep left ${left} benchmark objects on the engine`);
  return removed;
}

// Grows the estate from `from` networks to `to` (and their containers), in pools of 8.
async function grow(from, to, api) {
  const v = `/v${api.api}`;
  const networks = Array.from({ length: to - from }, (_, k) => from + k);
  await pool(networks, POPULATE_POOL, async (i) => {
    parse(
      await engineRequest('POST', `${v}/networks/create`, {
        Name: networkName(i),
        Driver: 'bridge',
        Labels: {
          ...LABEL,
          'io.switchyard.bench.tier': ['web', 'app', 'db'][i % 3],
          'io.switchyard.bench.index': String(i),
        },
        IPAM: { Config: [{ Subnet: subnet(i) }] },
      }),
      `create network ${networkName(i)}`,
    );
  });
  const containers = Array.from(
    { length: (to - from) * CONTAINERS_PER_NETWORK },
    (_, k) => from * CONTAINERS_PER_NETWORK + k,
  );
  const started = [];
  await pool(containers, POPULATE_POOL, async (j) => {
    const home = Math.floor(j / CONTAINERS_PER_NETWORK);
    const runs = j % RUNNING_EVERY === 0;
    const second = runs && home + 1 < to ? [networkName(home + 1)] : [];
    const atCreate = api.multiNetworkCreate ? [networkName(home), ...second] : [networkName(home)];
    const created = parse(
      await engineRequest('POST', `${v}/containers/create?name=${containerName(j)}`, {
        Image: IMAGE,
        Cmd: ['sleep', '7200'],
        Labels: LABEL,
        HostConfig: { NetworkMode: networkName(home) },
        NetworkingConfig: { EndpointsConfig: Object.fromEntries(atCreate.map((n) => [n, {}])) },
      }),
      `create container ${containerName(j)}`,
    );
    for (const network of second.filter((n) => !atCreate.includes(n)))
      parse(
        await engineRequest('POST', `${v}/networks/${network}/connect`, { Container: created.Id }),
        `connect ${containerName(j)} to ${network}`,
      );
    if (runs) started.push(created.Id);
  });
  await pool(started, POPULATE_POOL, async (id) => {
    parse(await engineRequest('POST', `${v}/containers/${id}/start`), `start ${id}`);
  });
}

// What is on the engine, counted from the engine itself.
async function estateOnEngine() {
  const networks = parse(await engineRequest('GET', '/networks'), 'list networks');
  const containers = parse(await engineRequest('GET', '/containers/json?all=1'), 'list containers');
  const bench = containers.filter((c) => isBench(c.Names[0]?.slice(1) ?? '', c.Labels));
  const running = bench.filter((c) => c.State === 'running');
  return {
    networks: networks.length,
    benchNetworks: networks.filter((n) => isBench(n.Name, n.Labels)).length,
    containers: containers.length,
    benchContainers: bench.length,
    benchRunning: running.length,
    benchCreated: bench.filter((c) => c.State === 'created').length,
    benchEndpoints: running.reduce(
      (sum, c) => sum + Object.keys(c.NetworkSettings?.Networks ?? {}).length,
      0,
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// The service.

const services = new Set();

// Each service can write a heap snapshot on SIGUSR2 into a folder of its own (see liveHeapMiB).
async function start(label, extraEnv, profileName) {
  const diagnostics = mkdtempSync(join(tmpdir(), 'switchyard-bench-heap-'));
  const nodeFlags = [
    ...NODE_FLAGS,
    '--heapsnapshot-signal=SIGUSR2',
    `--diagnostic-dir=${diagnostics}`,
    ...(profileName ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=${profileName}`] : []),
  ];
  const t0 = performance.now();
  const service = await startService(extraEnv, { nodeFlags }).catch((error) => {
    rmSync(diagnostics, { recursive: true, force: true });
    throw error;
  });
  const started = { label, t0, diagnostics, ...service };
  services.add(started);
  return started;
}

async function stop(service) {
  services.delete(service);
  await service.stop();
  rmSync(service.diagnostics, { recursive: true, force: true });
}

// The live heap: V8 collects all garbage before it writes a heap snapshot, so the sum of the
// snapshot's object sizes is what the process really holds (heapUsed at any moment includes garbage).
// The snapshot blocks the service's event loop while it is written: never inside a timed part.
async function liveHeapMiB(service) {
  if (!HEAP_SNAPSHOTS) return null;
  process.kill(service.pid, 'SIGUSR2');
  const deadline = performance.now() + 120_000;
  let file = null;
  let lastSize = -1;
  while (performance.now() < deadline) {
    await sleep(200);
    // Answered only once the snapshot is written (it blocks the event loop).
    await httpGet(service.port, '/health/live').catch(() => null);
    const found = readdirSync(service.diagnostics).find((f) => f.endsWith('.heapsnapshot'));
    if (!found) continue;
    file = join(service.diagnostics, found);
    const size = statSync(file).size;
    if (size > 0 && size === lastSize) break;
    lastSize = size;
  }
  if (!file) throw new Error(`no heap snapshot from the ${service.label} service within 120 s`);
  const snapshot = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(file);
  const fields = snapshot.snapshot.meta.node_fields;
  const selfSize = fields.indexOf('self_size');
  let bytes = 0;
  for (let k = selfSize; k < snapshot.nodes.length; k += fields.length) bytes += snapshot.nodes[k];
  return bytes / 1048576;
}

async function readiness(service) {
  const res = await httpGet(service.port, '/health/ready');
  const body = JSON.parse(res.body);
  return body.readModel ?? body.checks?.readModel ?? null;
}

// Waits for the model to be live (synced); null when this build has no read model part.
async function waitLive(service) {
  const deadline = performance.now() + LIVE_DEADLINE_MS;
  for (;;) {
    throwIfInterrupted();
    const model = await readiness(service);
    if (model === null) return null;
    if (model.state === 'live') return { ...model, liveMs: performance.now() - service.t0 };
    if (performance.now() > deadline)
      throw new Error(
        `the read model is ${model.state} after ${LIVE_DEADLINE_MS} ms: ${JSON.stringify(model)}`,
      );
    await sleep(20);
  }
}

// The series of /metrics this benchmark reads (whatever the metrics build exposes; null if absent).
async function scrape(service) {
  const res = await httpGet(service.port, '/metrics');
  if (res.status !== 200) return null;
  // The sum of a series' samples; `loose` also takes names that merely start with it (the exact name
  // of the fallbacks counter is the metrics build's choice), never prom-client's `_created` stamps.
  const sum = (prefix, loose = false) => {
    let total = null;
    for (const line of res.body.split('\n')) {
      // A series declared without samples yet (a labelled counter never counted) is 0, not absent.
      if (line.startsWith('# TYPE ') && line.slice(7).startsWith(prefix) && !line.includes('_created ')) {
        total ??= 0;
        continue;
      }
      if (line.startsWith('#') || !line.startsWith(prefix)) continue;
      const name = line.split(/[ {]/, 1)[0];
      if (name !== prefix && (!loose || name.endsWith('_created'))) continue;
      total = (total ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  };
  return {
    modelBytes: sum('switchyard_read_model_size_bytes'),
    fallbacks: sum('switchyard_read_model_fallback', true),
    heapUsedBytes: sum('nodejs_heap_size_used_bytes'),
    rssBytes: sum('process_resident_memory_bytes'),
  };
}

// ---------------------------------------------------------------------------------------------
// Measurements.

const fmtMs = (ms) => (Number.isFinite(ms) ? `${ms.toFixed(ms < 10 ? 2 : 1)} ms` : '-');
const MiB = (bytes) => (bytes === null || bytes === undefined ? '-' : `${(bytes / 1048576).toFixed(1)} MiB`);

// Lists through the three systems, alternating; answers the medians of the rounds per system.
async function measureLists(systems) {
  // Warm-up: JIT, connection pools, the engine's caches.
  for (const s of systems) await load(s.fn, 50, CONCURRENCY);
  // Batch sizes from the engine's own answer time, so that a batch takes about BATCH_MS at every size.
  const probe = await load(systems[0].fn, 20, 1);
  const serialCount = Math.max(50, Math.min(3000, Math.round((BATCH_MS * probe.rps) / 1000)));
  const concurrentCount = serialCount * 2;
  const results = Object.fromEntries(systems.map((s) => [s.key, { serial: [], concurrent: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = systems.map((_, k) => systems[(k + round) % systems.length]);
    for (const s of order) {
      throwIfInterrupted();
      results[s.key].serial.push(await load(s.fn, serialCount, 1));
    }
    for (const s of order) {
      throwIfInterrupted();
      results[s.key].concurrent.push(await load(s.fn, concurrentCount, CONCURRENCY));
    }
  }
  const summarise = (rs) => ({
    rps: median(rs.map((r) => r.rps)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    rounds: rs,
  });
  return {
    serialCount,
    concurrentCount,
    ...Object.fromEntries(
      systems.map((s) => [
        s.key,
        { serial: summarise(results[s.key].serial), concurrent: summarise(results[s.key].concurrent) },
      ]),
    ),
  };
}

function runCli(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(DOCKER_CLI, ['-H', DOCKER_HOST, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    const err = [];
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`docker ${args.join(' ')}: ${Buffer.concat(err)}`)),
    );
  });
}

async function engineCreateNetwork(name) {
  if (LAG_VIA === 'cli')
    return runCli(['network', 'create', '--subnet', LAG_SUBNET, '--label', `${LABEL_KEY}=read-model`, name]);
  parse(
    await engineRequest('POST', '/networks/create', {
      Name: name,
      Driver: 'bridge',
      Labels: LABEL,
      IPAM: { Config: [{ Subnet: LAG_SUBNET }] },
    }),
    `create network ${name}`,
  );
}

async function engineRemoveNetwork(name) {
  if (LAG_VIA === 'cli') return runCli(['network', 'rm', name]);
  parse(await engineRequest('DELETE', `/networks/${name}`), `remove network ${name}`);
}

// Polls the service's list (filtered by the exact name) until `present` holds; answers when it did.
async function pollUntil(service, agent, name, present) {
  const deadline = performance.now() + LAG_DEADLINE_MS;
  let polls = 0;
  for (;;) {
    const res = await httpGet(service.port, `/api/v1/networks?name=${encodeURIComponent(name)}`, agent);
    polls++;
    if (res.status !== 200) throw new Error(`list by name answered ${res.status}: ${res.body.slice(0, 200)}`);
    if ((JSON.parse(res.body).items.length === 1) === present) return { at: performance.now(), polls };
    if (performance.now() > deadline) return { at: null, polls };
    await sleep(POLL_INTERVAL_MS);
  }
}

// A network created (then removed) straight on the engine, `samples` times: from the engine's answer
// (and from sending the request) until the service's read shows the change.
async function measureLag(service, samples, size) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const create = [];
  const createFromSend = [];
  const remove = [];
  let polls = 0;
  let timeouts = 0;
  try {
    for (let k = 0; k < samples; k++) {
      throwIfInterrupted();
      const name = `${PREFIX}lag-${service.label}-${size}-${k}`;
      const sent = performance.now();
      await engineCreateNetwork(name);
      const answered = performance.now();
      const seen = await pollUntil(service, agent, name, true);
      const removing = performance.now();
      await engineRemoveNetwork(name);
      const removed = performance.now();
      const gone = await pollUntil(service, agent, name, false);
      polls += seen.polls + gone.polls;
      if (seen.at === null || gone.at === null) timeouts++;
      if (seen.at !== null) {
        create.push(seen.at - answered);
        createFromSend.push(seen.at - sent);
      }
      if (gone.at !== null) remove.push(gone.at - removed);
      void removing;
      await sleep(50);
    }
  } finally {
    agent.destroy();
  }
  const stats = (xs) => ({ p50: median(xs), max: xs.length ? Math.max(...xs) : NaN, samples: xs });
  return {
    samples,
    timeouts,
    pollsPerSample: polls / samples / 2,
    create: stats(create),
    createFromSend: stats(createFromSend),
    remove: stats(remove),
  };
}

// ---------------------------------------------------------------------------------------------
// One estate size: both services started on it, the lists, memory and lag.

// Reads the model could not serve between two scrapes (null when /metrics has no such series).
const difference = (a, b) =>
  a?.fallbacks === null || b?.fallbacks === null || !a || !b ? null : b.fallbacks - a.fallbacks;

async function measureSize(size, largest) {
  const estate = await estateOnEngine();
  const profile = CPU_PROF && largest;
  if (profile) mkdirSync(CPU_PROF, { recursive: true });
  const model = await start(
    'model',
    { READ_MODEL: 'true' },
    profile ? `model-${size}.cpuprofile` : undefined,
  );
  const modelAtReady = { rssMiB: rssMiB(model.pid), metrics: await scrape(model) };
  const live = await waitLive(model);
  const modelAtLive = { rssMiB: rssMiB(model.pid), metrics: await scrape(model) };
  const engine = await start(
    'engine',
    { READ_MODEL: 'false' },
    profile ? `engine-path-${size}.cpuprofile` : undefined,
  );
  const agents = {
    engine: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }),
    model: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }),
    enginePath: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }),
  };
  try {
    const systems = [
      { key: 'engine', fn: () => engineRequest('GET', '/networks', undefined, agents.engine) },
      { key: 'model', fn: () => httpGet(model.port, '/api/v1/networks', agents.model) },
      { key: 'enginePath', fn: () => httpGet(engine.port, '/api/v1/networks', agents.enginePath) },
    ];
    const answers = {};
    for (const s of systems) {
      const res = await s.fn();
      const body = JSON.parse(res.body);
      answers[s.key] = {
        items: (Array.isArray(body) ? body : body.items).length,
        bytes: Buffer.byteLength(res.body),
      };
    }
    const before = await scrape(model);
    const lists = await measureLists(systems);
    const after = await scrape(model);
    const memory = {
      modelAtReady,
      modelAtLive,
      modelAfterLoad: { rssMiB: rssMiB(model.pid), metrics: after, liveHeapMiB: await liveHeapMiB(model) },
      enginePathAfterLoad: {
        rssMiB: rssMiB(engine.pid),
        metrics: await scrape(engine),
        liveHeapMiB: await liveHeapMiB(engine),
      },
    };
    const lag = {
      model: await measureLag(model, LAG_SAMPLES, size),
      enginePath: await measureLag(engine, LAG_SAMPLES_ENGINE_PATH, size),
    };
    const afterLag = await scrape(model);
    const status = await readiness(model);
    return {
      size,
      estate,
      answers,
      live,
      statusAfter: status,
      readyMs: { model: model.readyMs, enginePath: engine.readyMs },
      fallbacksDuringLists: difference(before, after),
      fallbacksDuringLag: difference(after, afterLag),
      lists,
      memory,
      lag,
    };
  } finally {
    for (const agent of Object.values(agents)) agent.destroy();
    await stop(engine);
    await stop(model);
  }
}

// ---------------------------------------------------------------------------------------------
// The report.

function printSize(r) {
  const e = r.estate;
  console.log(`\n== ${r.size} benchmark networks ==`);
  console.log(
    `on the engine: ${e.networks} networks (${e.benchNetworks} of the benchmark), ${e.containers} containers ` +
      `(${e.benchContainers} of the benchmark: ${e.benchRunning} running with ${e.benchEndpoints} endpoints, ` +
      `${e.benchCreated} created)`,
  );
  console.log(
    `answers: engine ${r.answers.engine.items} networks ${(r.answers.engine.bytes / 1024).toFixed(0)} KiB; ` +
      `service ${r.answers.model.items} networks ${(r.answers.model.bytes / 1024).toFixed(0)} KiB ` +
      `(READ_MODEL=false: ${r.answers.enginePath.items})`,
  );
  if (r.live)
    console.log(
      `read model: live ${r.live.liveMs.toFixed(0)} ms after the process started (ready ${r.readyMs.model.toFixed(0)} ms); ` +
        `${r.live.networks} networks, ${r.live.containers} containers, ${r.live.endpoints} endpoints; ` +
        `fallbacks to the engine during the lists: ${r.fallbacksDuringLists ?? 'not exposed'}`,
    );
  else
    console.log(
      'read model: this build has no readModel part in /health/ready (both services read the engine)',
    );
  const l = r.lists;
  const row = (name, x) =>
    `  ${name.padEnd(32)} ${x.rps.toFixed(0).padStart(6)} req/s   p50 ${fmtMs(x.p50).padStart(9)}   p99 ${fmtMs(x.p99).padStart(9)}`;
  for (const [mode, title] of [
    ['serial', `one request at a time (${l.serialCount} requests x ${ROUNDS} rounds, medians)`],
    ['concurrent', `concurrency ${CONCURRENCY} (${l.concurrentCount} requests x ${ROUNDS} rounds, medians)`],
  ]) {
    console.log(title);
    console.log(row('engine socket GET /networks', l.engine[mode]));
    console.log(row('switchyard, read model', l.model[mode]));
    console.log(row('switchyard, READ_MODEL=false', l.enginePath[mode]));
    console.log(
      `  service/engine throughput: read model ${(l.model[mode].rps / l.engine[mode].rps).toFixed(2)}x, ` +
        `READ_MODEL=false ${(l.enginePath[mode].rps / l.engine[mode].rps).toFixed(2)}x`,
    );
  }
  const m = r.memory;
  console.log(
    `memory (RSS): read model at ready ${m.modelAtReady.rssMiB.toFixed(0)} MiB, at live ${m.modelAtLive.rssMiB.toFixed(0)} MiB, ` +
      `after the lists ${m.modelAfterLoad.rssMiB.toFixed(0)} MiB; READ_MODEL=false after the lists ${m.enginePathAfterLoad.rssMiB.toFixed(0)} MiB`,
  );
  console.log(
    `memory (/metrics): model size ${MiB(m.modelAfterLoad.metrics?.modelBytes)}; heap used: read model ` +
      `${MiB(m.modelAfterLoad.metrics?.heapUsedBytes)}, READ_MODEL=false ${MiB(m.enginePathAfterLoad.metrics?.heapUsedBytes)}`,
  );
  const heap = (x) => (x === null ? '-' : `${x.toFixed(1)} MiB`);
  console.log(
    `live heap after the lists (heap snapshot, after a full GC): read model ${heap(m.modelAfterLoad.liveHeapMiB)}, ` +
      `READ_MODEL=false ${heap(m.enginePathAfterLoad.liveHeapMiB)}`,
  );
  for (const [key, title] of [
    ['model', 'read model'],
    ['enginePath', 'READ_MODEL=false'],
  ]) {
    const g = r.lag[key];
    console.log(
      `lag (${title}, ${g.samples} networks created and removed via ${LAG_VIA}, polled every ${POLL_INTERVAL_MS} ms): ` +
        `create p50 ${fmtMs(g.create.p50)} max ${fmtMs(g.create.max)} (from sending: p50 ${fmtMs(g.createFromSend.p50)}); ` +
        `remove p50 ${fmtMs(g.remove.p50)} max ${fmtMs(g.remove.max)}; ${g.pollsPerSample.toFixed(1)} polls per change` +
        (g.timeouts ? `; ${g.timeouts} NOT SEEN within ${LAG_DEADLINE_MS} ms` : '') +
        (key === 'model'
          ? `; fallbacks to the engine meanwhile: ${r.fallbacksDuringLag ?? 'not exposed'}`
          : ''),
    );
  }
}

function printTargets(results) {
  const top = results[results.length - 1];
  const bottom = results[0];
  const verdict = (ok) => (ok ? 'met' : 'MISSED');
  console.log('\n== targets ==');
  if (!top.live) console.log('(this build has no read model: both services read the engine)');
  for (const r of results) {
    const s = r.lists.model.serial.rps / r.lists.engine.serial.rps;
    const c = r.lists.model.concurrent.rps / r.lists.engine.concurrent.rps;
    console.log(
      `${String(r.size).padStart(5)} networks: one at a time ${s.toFixed(2)}x the engine (>= 1.0: ${verdict(s >= 1)}); ` +
        `concurrency 8 ${c.toFixed(2)}x (>= 2: ${verdict(c >= 2)}); list p50 ${fmtMs(r.lists.model.serial.p50)} ` +
        `(< 5 ms: ${verdict(r.lists.model.serial.p50 < 5)})`,
    );
  }
  console.log(
    `list p50 from ${bottom.size} to ${top.size} networks: ${fmtMs(bottom.lists.model.serial.p50)} -> ` +
      `${fmtMs(top.lists.model.serial.p50)} (${(top.lists.model.serial.p50 / bottom.lists.model.serial.p50).toFixed(1)}x; ` +
      `READ_MODEL=false ${fmtMs(bottom.lists.enginePath.serial.p50)} -> ${fmtMs(top.lists.enginePath.serial.p50)})`,
  );
  const bytes = top.memory.modelAfterLoad.metrics?.modelBytes;
  const rssDelta = top.memory.modelAfterLoad.rssMiB - top.memory.enginePathAfterLoad.rssMiB;
  console.log(
    `model memory at ${top.size} networks: ${MiB(bytes)} by /metrics` +
      (bytes !== null && bytes !== undefined ? ` (< 50 MiB: ${verdict(bytes < 50 * 1048576)})` : '') +
      // RSS follows the collector's working room (the large answers), not the model: no verdict on it.
      `; RSS ${rssDelta.toFixed(0)} MiB above READ_MODEL=false`,
  );
  // The live heap's growth from the smallest estate to the largest: the model's growth (and anything
  // else that grows with the estate); READ_MODEL=false beside it (its feed may keep a model too).
  const heapGrowth = (key) => {
    const a = bottom.memory[key].liveHeapMiB;
    const b = top.memory[key].liveHeapMiB;
    return a === null || b === null ? null : { from: a, to: b, growth: b - a };
  };
  const grown = heapGrowth('modelAfterLoad');
  const grownEnginePath = heapGrowth('enginePathAfterLoad');
  if (grown)
    console.log(
      `live heap from ${bottom.size} to ${top.size} networks: read model ${grown.from.toFixed(1)} -> ${grown.to.toFixed(1)} MiB ` +
        `(+${grown.growth.toFixed(1)} MiB; < 50 MiB: ${verdict(grown.growth < 50)}), READ_MODEL=false ` +
        `${grownEnginePath.from.toFixed(1)} -> ${grownEnginePath.to.toFixed(1)} MiB`,
    );
  const lag = top.lag.model.create;
  console.log(
    `lag at ${top.size} networks: p50 ${fmtMs(lag.p50)}, max ${fmtMs(lag.max)} (< 200 ms: ${verdict(lag.max < 200 && top.lag.model.timeouts === 0)})`,
  );
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const api = await engineVersion();
  console.log(
    `engine ${api.engine} (API ${api.api}) at ${DOCKER_HOST}; ${availableParallelism()} cores, ` +
      `${(totalmem() / 1073741824).toFixed(0)} GiB; load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
  );
  console.log(
    `estate per network: ${CONTAINERS_PER_NETWORK} containers of ${IMAGE}; one container in ${RUNNING_EVERY} ` +
      `running (on its network and the next), the others created; sizes ${SIZES.join(', ')}`,
  );
  const leftovers = await sweep();
  if (leftovers) console.log(`removed ${leftovers} leftovers of an earlier run`);
  const results = [];
  let failed = null;
  try {
    let current = 0;
    for (const size of SIZES) {
      const t0 = performance.now();
      await grow(current, size, api);
      current = size;
      console.log(
        `\n(estate grown to ${size} networks in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
          `load average ${loadavg()[0].toFixed(2)})`,
      );
      const r = await measureSize(size, size === SIZES[SIZES.length - 1]);
      results.push(r);
      printSize(r);
    }
    printTargets(results);
  } catch (error) {
    failed = error;
  } finally {
    for (const service of [...services]) await stop(service).catch(() => {});
    if (env.BENCH_KEEP_ESTATE === '1') console.log('\nBENCH_KEEP_ESTATE=1: the estate stays on the engine');
    else {
      const t0 = performance.now();
      const removed = await sweep();
      console.log(`\ncleaned up ${removed} objects in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    console.log(
      `load average at the end ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
    if (env.BENCH_JSON) writeFileSync(env.BENCH_JSON, JSON.stringify({ api, results }, null, 2));
  }
  if (failed) throw failed;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
