// Helpers shared by the benchmarks: engine calls over the socket, the built service as a child.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The benchmarks' own admin key; rate limits are lifted so that they measure the service, not the limiter.
export const BENCH_KEY = 'sy_bench_admin_key_0123456789abcdefghijklmnopqrstuvwxyz';
export const AUTH_HEADERS = { authorization: `Bearer ${BENCH_KEY}` };

// The benchmarks create and remove networks and containers: by default on the test suite's
// Docker 20.10 engine (`npm run engine:up`), never on a user's engine unless DOCKER_HOST names it.
export const DOCKER_HOST = process.env.DOCKER_HOST ?? 'unix:///run/switchyard-test/e20.sock';
if (!DOCKER_HOST.startsWith('unix://'))
  throw new Error('the benchmarks talk to a local engine socket: DOCKER_HOST=unix:///...');
export const SOCKET = DOCKER_HOST.slice('unix://'.length);
const MAIN = new URL('../dist/main.js', import.meta.url).pathname;
// The same V8 flags as `npm start` (package.json), unless BENCH_NODE_FLAGS says otherwise.
export const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=8')
  .split(' ')
  .filter(Boolean);

export function engineRequest(method, path, body, agent) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        socketPath: SOCKET,
        method,
        path,
        agent,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export function httpGet(port, path, agent) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers: AUTH_HEADERS }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
  });
}

export function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

// Starts `node dist/main.js` and resolves once /health/ready answers 200. `nodeFlags` replaces the
// V8 flags for this one process (e.g. to add --cpu-prof).
export async function startService(extraEnv = {}, { nodeFlags = NODE_FLAGS } = {}) {
  if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const databasePath = extraEnv.DATABASE_PATH ?? join(dir, 'db.sqlite');
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeFlags, MAIN], {
    env: {
      ...process.env,
      DOCKER_HOST,
      PORT: String(port),
      DATABASE_PATH: databasePath,
      LOG_LEVEL: 'warn',
      ADMIN_API_KEY: BENCH_KEY,
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let readyMs = null;
  // A service that exits at boot (a bad setting, a bug) fails the wait at once, not after 30 s.
  while (readyMs === null && performance.now() - started < 30_000 && child.exitCode === null) {
    const res = await httpGet(port, '/health/ready').catch(() => null);
    if (res?.status === 200) readyMs = performance.now() - started;
    else await new Promise((r) => setTimeout(r, 10));
  }
  if (readyMs === null) {
    const exited = child.exitCode !== null;
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      exited
        ? `the service exited with code ${child.exitCode} before it was ready (its stderr is above)`
        : 'the service did not become ready within 30 s',
    );
  }
  return {
    port,
    pid: child.pid,
    readyMs,
    databasePath,
    stop: async ({ keepData = false } = {}) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.on('exit', r));
      }
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// Runs `total` calls of `fn` with `concurrency` in flight; answers throughput and latency.
export async function load(fn, total, concurrency) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const t0 = performance.now();
        const res = await fn();
        if (res.status !== 200) throw new Error(`unexpected status ${res.status}: ${res.body.slice(0, 200)}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}
