// Keyed `network.create` (REST) latency alone, and while 8 clients flood the service with 1 MiB
// bodies without a key: those are refused at the gate (401 within the per-address budget, 429
// past it) without their bodies being parsed, so keyed traffic should barely notice them.
// Usage: npm run build && npm run bench:keyless   (needs a running test engine; loopback only;
// cleans up after itself). BENCH_UNLIMITED=1 lifts the rate limits: every keyless request is then
// refused 401 and audited, the worst case for the audit log.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { AUTH_HEADERS, engineRequest, percentile, startService } from './lib.mjs';

// Creates per round and condition; rounds alternate alone / flooded so that machine noise hits both alike.
const CREATES = Number(process.env.BENCH_CREATES ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FLOODERS = 8;
const FLOOD_BYTES = Number(process.env.BENCH_FLOOD_BYTES ?? 1024 * 1024);
const FLOOD_BODY = Buffer.from(`{"name":"${'x'.repeat(Math.max(0, FLOOD_BYTES - 12))}"}`);
// Keyed creates start at most this often (with their deletes they stay within the default rate limit).
const CREATE_INTERVAL_MS = 50;
// The flood stops by itself at the latest after this long.
const MAX_FLOOD_MS = 120_000;
const PREFIX = 'sybench-keyless-';
const UNLIMITED = process.env.BENCH_UNLIMITED === '1';

function send(port, method, path, { headers = {}, body, agent } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          ...headers,
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
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
    req.end(payload);
  });
}

// CPU seconds (user + system) the service process has used so far.
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function removeBenchNetworks() {
  const list = JSON.parse((await engineRequest('GET', '/networks')).body);
  for (const n of list.filter((x) => x.Name.startsWith(PREFIX)))
    await engineRequest('DELETE', `/networks/${n.Id}`);
}

// `count` keyed creates (each removed again, untimed), paced; answers the create latencies.
async function keyedCreates(port, agent, round, count) {
  const latencies = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const name = `${PREFIX}${round}-${i}`;
    const created = await send(port, 'POST', '/api/v1/networks', {
      headers: AUTH_HEADERS,
      body: { name },
      agent,
    });
    const ms = performance.now() - started;
    if (created.status !== 201)
      throw new Error(`network.create answered ${created.status}: ${created.body.slice(0, 200)}`);
    latencies.push(ms);
    const removed = await send(port, 'DELETE', `/api/v1/networks/${name}`, { headers: AUTH_HEADERS, agent });
    if (removed.status !== 204)
      throw new Error(`network.remove answered ${removed.status}: ${removed.body.slice(0, 200)}`);
    const left = CREATE_INTERVAL_MS - (performance.now() - started);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
  }
  return latencies.sort((a, b) => a - b);
}

// FLOODERS clients, each sending keyless 1 MiB bodies one after another until stopped (or MAX_FLOOD_MS).
function flood(port) {
  let stopped = false;
  const deadline = performance.now() + MAX_FLOOD_MS;
  const statuses = {};
  let sent = 0;
  const started = performance.now();
  const clients = Array.from({ length: FLOODERS }, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (!stopped && performance.now() < deadline) {
      const res = await send(port, 'POST', '/api/v1/networks', { body: FLOOD_BODY, agent }).catch((e) => ({
        status: e.code ?? 'error',
      }));
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      sent++;
    }
    agent.destroy();
  });
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(clients);
      return { sent, statuses, seconds: (performance.now() - started) / 1000 };
    },
  };
}

async function main() {
  await removeBenchNetworks();
  const service = await startService(
    UNLIMITED ? {} : { RATE_LIMIT_PER_SECOND: '50', RATE_LIMIT_BURST: '200', MAX_IN_FLIGHT_PER_KEY: '16' },
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await keyedCreates(service.port, agent, 'warm', 20);
    const alone = [];
    const during = [];
    const f = { sent: 0, statuses: {}, seconds: 0, cpu: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      alone.push(...(await keyedCreates(service.port, agent, `alone${round}`, CREATES)));
      const cpuBefore = cpuSeconds(service.pid);
      const flooding = flood(service.port);
      // Let the flood get going (and, limited, past its burst) before measuring.
      await new Promise((r) => setTimeout(r, 1000));
      during.push(...(await keyedCreates(service.port, agent, `flood${round}`, CREATES)));
      const r = await flooding.stop();
      f.cpu += cpuSeconds(service.pid) - cpuBefore;
      f.sent += r.sent;
      f.seconds += r.seconds;
      for (const [status, n] of Object.entries(r.statuses))
        f.statuses[status] = (f.statuses[status] ?? 0) + n;
    }
    alone.sort((a, b) => a - b);
    during.sort((a, b) => a - b);
    const audited = JSON.parse(
      (
        await send(service.port, 'GET', '/api/v1/audit-logs?outcome=denied&limit=500', {
          headers: AUTH_HEADERS,
        })
      ).body,
    ).items.length;
    const fmt = (xs) =>
      `p50 ${percentile(xs, 50).toFixed(1)} ms   p95 ${percentile(xs, 95).toFixed(1)} ms   max ${xs[xs.length - 1].toFixed(1)} ms`;
    console.log(
      `keyed network.create, ${ROUNDS} rounds of ${CREATES} creates one at a time, alone then flooded (rate limits ${UNLIMITED ? 'lifted' : 'default: 50/s, bursts of 200'})`,
    );
    console.log(`  alone                          ${fmt(alone)}`);
    console.log(
      `  while ${FLOODERS} clients flood ${(FLOOD_BODY.length / 1024).toFixed(0)} KiB ${fmt(during)}`,
    );
    console.log(
      `  ratio flood/alone: p50 ${(percentile(during, 50) / percentile(alone, 50)).toFixed(2)}x   p95 ${(percentile(during, 95) / percentile(alone, 95)).toFixed(2)}x   (target: within 2x)`,
    );
    console.log(
      `  flood: ${f.sent} keyless requests in ${f.seconds.toFixed(1)} s (${((f.sent * FLOOD_BODY.length) / 1024 / 1024 / f.seconds).toFixed(0)} MiB/s offered), answers ${JSON.stringify(f.statuses)}; denied entries in the audit log: ${audited}${audited === 500 ? '+' : ''}`,
    );
    console.log(
      `  service CPU while flooded: ${((f.cpu / f.seconds) * 100).toFixed(0)}% of a core (keyed creates included)`,
    );
  } finally {
    agent.destroy();
    await service.stop();
    await removeBenchNetworks();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
