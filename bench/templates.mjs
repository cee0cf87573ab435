// Topology templates against their peers, side by side in one run on one engine: a template of 10
// networks and 40 containers (2 networks each) applied, re-applied unchanged and destroyed by
// Switchyard; the equivalent compose file brought up, up again and down by Debian's docker-compose
// 1.29.2; and the raw engine ceiling (the same calls straight on the socket, in a pool of 16). Then
// Switchyard's apply time per container for templates of 10 to 200 containers. Each measurement is
// repeated (BENCH_ROUNDS, default 3) with the order of the three rotating, and reported as medians.
// Cleans up after itself, also on failure or Ctrl-C.
// Usage: npm run bench:templates   (builds dist/ first when it is stale; needs the test engines:
// npm run engine:up). BENCH_DOCKER_HOST picks another local engine socket (default the suite's 26.1).
import './templates-engine.mjs';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTH_HEADERS, DOCKER_HOST, startService } from './lib.mjs';
import {
  checkApplied,
  checkGone,
  composeFile,
  engineApi,
  IMAGE,
  interrupt,
  rawAgent,
  rawApply,
  rawDestroy,
  RAW_POOL,
  sweep,
  templateDocument,
  throwIfInterrupted,
  topology,
} from './template-topology.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const NOOP_REPEATS = Number(process.env.BENCH_NOOP_REPEATS ?? 3);
// The issue's topology: 10 networks, 40 containers on 2 networks each.
const BASE_SIZE = 40;
const SCALING_SIZES = (process.env.BENCH_SCALING ?? '10,50,100,200').split(',').filter(Boolean).map(Number);
// Which parts run (all by default): raw, compose, switchyard, scaling.
const PARTS = new Set((process.env.BENCH_PARTS ?? 'raw,compose,switchyard,scaling').split(','));
const COMPOSE = process.env.BENCH_COMPOSE ?? '/usr/bin/docker-compose';
const COMPOSE_TIMEOUT_MS = 300_000;
// A pause between measurements, so that the engine's asynchronous teardown of the previous one
// (network namespaces, veths) is not billed to the next.
const SETTLE_MS = 1000;
const ROOT = new URL('..', import.meta.url).pathname;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
async function timed(fn) {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

// ---------------------------------------------------------------------------------------------
// The build (never inside a timed part): rebuilt when dist/main.js is missing or older than a source.

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function ensureBuilt() {
  const main = join(ROOT, 'dist/main.js');
  const sources = Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'migrations')));
  if (existsSync(main) && statSync(main).mtimeMs >= sources) return;
  console.error('dist/ is missing or older than src/: npm run build');
  const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', timeout: 300_000 });
  if (built.status !== 0) throw new Error('npm run build failed');
}

// ---------------------------------------------------------------------------------------------
// docker-compose.

let composeChild = null;

function runCompose(file, project, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(COMPOSE, ['-f', file, '-p', project, ...args], {
      env: { ...process.env, DOCKER_HOST },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: COMPOSE_TIMEOUT_MS,
    });
    composeChild = child;
    const output = [];
    child.stdout.on('data', (c) => output.push(c));
    child.stderr.on('data', (c) => output.push(c));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      composeChild = null;
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `docker-compose ${args.join(' ')}: ${signal ?? `exit ${code}`}\n${Buffer.concat(output).toString().slice(-2000)}`,
          ),
        );
    });
  });
}

function composeVersion() {
  const res = spawnSync(COMPOSE, ['version', '--short'], { encoding: 'utf8', timeout: 30_000 });
  if (res.status !== 0) throw new Error(`${COMPOSE} does not run: ${res.stderr || res.error}`);
  return res.stdout.trim();
}

// ---------------------------------------------------------------------------------------------
// Switchyard over REST.

// Aborted on Ctrl-C / SIGTERM, so that a waiting apply does not hold up the cleanup.
const interruption = new globalThis.AbortController();

async function rest(port, method, path, body) {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method,
    headers: { ...AUTH_HEADERS, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: globalThis.AbortSignal.any([
      interruption.signal,
      globalThis.AbortSignal.timeout(COMPOSE_TIMEOUT_MS),
    ]),
  });
  const text = await res.text();
  return { status: res.status, json: parseJson(text) };
}

function parseJson(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { raw: text.slice(0, 500) };
  }
}

function describe(res) {
  const j = res.json ?? {};
  const detail = j.code ? `${j.code}: ${j.detail ?? j.title ?? ''}` : JSON.stringify(j).slice(0, 500);
  const problems = j.context?.problems ? ` ${JSON.stringify(j.context.problems.slice(0, 5))}` : '';
  return `${res.status} ${detail}${problems}`;
}

async function createTemplate(port, document) {
  const res = await rest(port, 'POST', '/templates', document);
  if (res.status !== 201) throw new Error(`POST /templates (${document.name}): ${describe(res)}`);
}

// Apply or destroy with wait: true; anything but a succeeded deployment makes the figure meaningless.
async function deploy(port, name, verb) {
  const res = await rest(port, 'POST', `/templates/${encodeURIComponent(name)}/${verb}`, { wait: true });
  if (res.status !== 200) throw new Error(`POST /templates/${name}/${verb}: ${describe(res)}`);
  if (res.json.status !== 'succeeded') {
    const failed = (res.json.actions ?? []).filter((a) => a.error).slice(0, 3);
    throw new Error(
      `${verb} of ${name} ended ${res.json.status}: ${JSON.stringify(res.json.error)} ${JSON.stringify(failed)}`,
    );
  }
  return res.json;
}

// ---------------------------------------------------------------------------------------------
// The three systems, each with apply / no-op re-apply / destroy on a topology.

function makeSystems({ api, agent, service, workDir }) {
  const raw = {
    key: 'raw',
    label: `raw engine (pool ${RAW_POOL})`,
    apply: (topo) => rawApply(topo, api, agent),
    noop: null,
    destroy: (topo) => rawDestroy(topo, api, agent),
  };
  const composeFiles = new Map();
  const composeFor = (topo) => {
    if (!composeFiles.has(topo.size)) {
      const file = join(workDir, `compose-${topo.size}.yml`);
      writeFileSync(file, composeFile(topo));
      composeFiles.set(topo.size, file);
    }
    return [composeFiles.get(topo.size), `sybt${topo.size}`];
  };
  const compose = {
    key: 'compose',
    label: 'docker-compose',
    apply: (topo) => runCompose(...composeFor(topo), ['up', '-d']),
    noop: (topo) => runCompose(...composeFor(topo), ['up', '-d']),
    destroy: (topo) => runCompose(...composeFor(topo), ['down', '-t', '0']),
  };
  const switchyard = service && {
    key: 'switchyard',
    label: 'Switchyard',
    apply: (topo) => deploy(service.port, templateName(topo), 'apply'),
    noop: (topo) => deploy(service.port, templateName(topo), 'apply'),
    destroy: (topo) => deploy(service.port, templateName(topo), 'destroy'),
  };
  return { raw, compose, switchyard };
}

const templateName = (topo) => `sybt-t${topo.size}`;

// One measured cycle of a system: apply, check, no-op re-applies (the ids must not change), destroy,
// check. Answers the timings; the checks are outside the timed parts.
async function cycle(system, topo, noopRepeats) {
  const result = { apply: 0, noop: [], destroy: 0, replaced: 0 };
  throwIfInterrupted();
  result.apply = await timed(() => system.apply(topo));
  const ids = await checkApplied(topo);
  for (let i = 0; system.noop && i < noopRepeats; i++) {
    throwIfInterrupted();
    result.noop.push(await timed(() => system.noop(topo)));
    const after = await checkApplied(topo);
    result.replaced += [...ids].filter(([name, id]) => after.get(name) !== id).length;
  }
  throwIfInterrupted();
  result.destroy = await timed(() => system.destroy(topo));
  await checkGone();
  await sleep(SETTLE_MS);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Report.

const ms = (x) =>
  Number.isFinite(x) ? (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`) : '-';
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '-');
const runs = (xs) => (xs.length ? xs.map((x) => x.toFixed(0)).join(', ') : '-');

function mainTable(samples, order) {
  const m = (key, step) => median(samples[key]?.[step] ?? []);
  const peers = order.filter((s) => s.key !== 'raw');
  const row = (cells) => `| ${cells.join(' | ')} |`;
  const lines = [
    row(['step', ...order.map((s) => s.label), ...peers.map((s) => `${s.label} / raw`)]),
    row(Array(1 + order.length + peers.length).fill('---')),
  ];
  for (const [step, title] of [
    ['apply', 'apply / `up -d` (median)'],
    ['noop', 'no-op re-apply / second `up -d` (median)'],
    ['destroy', 'destroy / `down -t 0` (median)'],
  ]) {
    const ratios = peers.map((s) => (step === 'noop' ? '-' : ratio(m(s.key, step), m('raw', step))));
    lines.push(row([title, ...order.map((s) => ms(m(s.key, step))), ...ratios]));
  }
  return lines.join('\n');
}

function scalingTable(scaling) {
  const lines = [
    '| containers | networks | Switchyard apply (median) | per container | raw apply (median) | per container | Switchyard / raw | Switchyard destroy / raw destroy | template create (median) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of scaling) {
    const sy = median(s.switchyard.apply);
    const raw = median(s.raw.apply);
    lines.push(
      `| ${s.topo.size} | ${s.topo.networks.length} | ${ms(sy)} | ${(sy / s.topo.size).toFixed(1)} ms | ${ms(raw)} | ${(raw / s.topo.size).toFixed(1)} ms | ${ratio(sy, raw)} | ${ratio(median(s.switchyard.destroy), median(s.raw.destroy))} | ${ms(median(s.create))} |`,
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

let service = null;
let workDir = null;
let cleaned = false;

async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  composeChild?.kill('SIGKILL');
  await service?.stop().catch((e) => console.error(`could not stop the service: ${e.message}`));
  const removed = await sweep().catch((e) => console.error(`sweep failed: ${e.message}`));
  if (removed) console.error(`cleanup removed ${removed} leftover containers/networks`);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}

// Ctrl-C / SIGTERM: no further engine call, compose or REST request is started and the one in
// flight is cut short; main() then fails and its cleanup runs once nothing creates anymore.
let signalled = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`${signal}: stopping, then cleaning up`);
    signalled = signal;
    interrupt();
    interruption.abort();
    composeChild?.kill('SIGKILL');
  });
}

const load = () => loadavg()[0].toFixed(1);

async function main() {
  const loadAtStart = load();
  const api = await engineApi();
  const compose = PARTS.has('compose') ? composeVersion() : null;
  workDir = mkdtempSync(join(tmpdir(), 'switchyard-bench-templates-'));
  const leftovers = await sweep();
  if (leftovers) console.error(`removed ${leftovers} leftovers of an earlier run`);
  await checkGone();

  const base = topology(BASE_SIZE);
  let switchyardSkipped = null;
  if (PARTS.has('switchyard') || PARTS.has('scaling')) {
    ensureBuilt();
    service = await startService();
    // Creating the template is not timed (validation is timed separately in the scaling part).
    await createTemplate(service.port, templateDocument(templateName(base), base)).catch((e) => {
      switchyardSkipped = e.message;
    });
  }
  const agent = rawAgent();
  const systems = makeSystems({ api, agent, service: switchyardSkipped ? null : service, workDir });
  const order = [
    systems.raw,
    PARTS.has('compose') && systems.compose,
    PARTS.has('switchyard') && systems.switchyard,
  ].filter(Boolean);
  console.error(
    `engine ${api.engine} (API ${api.api}) at ${DOCKER_HOST}; image ${IMAGE}; ${ROUNDS} rounds; parts: ${[...PARTS].join(',')}`,
  );
  if (switchyardSkipped) console.error(`Switchyard part skipped: ${switchyardSkipped}`);

  // A Switchyard failure ends its part (the peers' figures are still worth having while it is
  // unfinished); a peer's failure ends the run.
  let switchyardFailed = null;
  const measure = async (system, topo, noopRepeats) => {
    if (system.key === 'switchyard' && switchyardFailed) return null;
    try {
      return await cycle(system, topo, noopRepeats);
    } catch (error) {
      if (system.key !== 'switchyard' || signalled) throw error;
      switchyardFailed = error.message;
      console.error(`Switchyard failed, measuring the rest without it: ${error.message}`);
      await sweep();
      return null;
    }
  };

  // Warm-up (not measured): the engine's caches, the service's JIT, compose's imports.
  for (const system of order) await measure(system, base, 1);

  const samples = Object.fromEntries(
    order.map((s) => [s.key, { apply: [], noop: [], destroy: [], replaced: 0 }]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    const rotated = [...order.slice(round % order.length), ...order.slice(0, round % order.length)];
    for (const system of rotated) {
      const r = await measure(system, base, NOOP_REPEATS);
      if (!r) continue;
      const s = samples[system.key];
      s.apply.push(r.apply);
      s.noop.push(...r.noop);
      s.destroy.push(r.destroy);
      s.replaced += r.replaced;
      console.error(
        `round ${round + 1} ${system.key}: apply ${r.apply.toFixed(0)} ms, ${system.noop ? `no-op ${runs(r.noop)} ms, ` : ''}destroy ${r.destroy.toFixed(0)} ms`,
      );
    }
  }

  const scaling = [];
  if (PARTS.has('scaling') && service && !switchyardSkipped && !switchyardFailed) {
    for (const size of SCALING_SIZES) {
      const topo = topology(size);
      const s = { topo, create: [], switchyard: { apply: [], destroy: [] }, raw: { apply: [], destroy: [] } };
      // The time to create (validate and store) a template of this size, on copies under other
      // names that are deleted again; then the one that is applied.
      for (let i = 0; i < ROUNDS; i++) {
        const copy = templateDocument(`${templateName(topo)}-v${i}`, topo);
        s.create.push(await timed(() => createTemplate(service.port, copy)));
        const deleted = await rest(service.port, 'DELETE', `/templates/${encodeURIComponent(copy.name)}`);
        if (deleted.status !== 204) throw new Error(`DELETE /templates/${copy.name}: ${describe(deleted)}`);
      }
      await createTemplate(service.port, templateDocument(templateName(topo), topo));
      scaling.push(s);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of scaling) {
        const pair = round % 2 ? [systems.switchyard, systems.raw] : [systems.raw, systems.switchyard];
        for (const system of pair) {
          const r = await measure(system, s.topo, 0);
          if (!r) continue;
          s[system.key].apply.push(r.apply);
          s[system.key].destroy.push(r.destroy);
          console.error(
            `scaling ${s.topo.size} round ${round + 1} ${system.key}: apply ${r.apply.toFixed(0)} ms, destroy ${r.destroy.toFixed(0)} ms`,
          );
        }
      }
    }
  }
  agent.destroy();

  const m = (key, step) => median(samples[key]?.[step] ?? []);
  console.log(
    `\n### Templates: ${base.networks.length} networks, ${BASE_SIZE} containers on 2 networks each (engine ${api.engine}, API ${api.api}${compose ? `; docker-compose ${compose}` : ''})\n`,
  );
  console.log(mainTable(samples, order));
  console.log('');
  console.log(
    `Load average (1 min) at the start / end: ${loadAtStart} / ${load()} on ${availableParallelism()} cores.`,
  );
  console.log(
    `Runs (ms): ${order.map((s) => `${s.key} apply ${runs(samples[s.key].apply)}; ${s.noop ? `no-op ${runs(samples[s.key].noop)}; ` : ''}destroy ${runs(samples[s.key].destroy)}`).join(' | ')}`,
  );
  for (const s of order.filter((x) => x.noop && samples[x.key].replaced > 0))
    console.log(`WARNING: ${s.label}'s no-op re-applies replaced ${samples[s.key].replaced} containers`);
  if (samples.switchyard?.apply.length) {
    const targets = [
      `apply ${ratio(m('switchyard', 'apply'), m('raw', 'apply'))} raw (target <= 1.1x)`,
      `destroy ${ratio(m('switchyard', 'destroy'), m('raw', 'destroy'))} raw (target <= 1.1x)`,
      `no-op re-apply ${ms(m('switchyard', 'noop'))} (target < 300 ms)`,
    ];
    console.log(`Targets: ${targets.join('; ')}`);
  } else {
    const why = switchyardSkipped ?? switchyardFailed;
    console.log(`Switchyard: not measured${why ? ` (${why})` : ''}`);
  }
  if (scaling.length > 0) {
    console.log(
      `\n### Switchyard apply time per container (networks scale with the containers, 2 networks each)\n`,
    );
    console.log(scalingTable(scaling));
    const perContainer = (s) => median(s.switchyard.apply) / s.topo.size;
    const [first, last] = [scaling[0], scaling.at(-1)];
    console.log(
      `\nPer-container apply at ${last.topo.size} / at ${first.topo.size} containers: ${ratio(perContainer(last), perContainer(first))} (flat: about 1x or below)`,
    );
  }
}

main()
  .catch((error) => {
    if (signalled) console.error(`interrupted by ${signalled}`);
    else console.error(error);
    process.exitCode = signalled ? 130 : 1;
  })
  .finally(() => cleanup());
