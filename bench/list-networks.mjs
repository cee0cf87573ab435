// Listing 40 networks: through Switchyard (GET /api/v1/networks) against straight from the engine
// socket (GET /networks), in one run, alternating rounds so that machine noise hits both alike.
// Usage: npm run build && npm run bench:networks   (needs a running engine; cleans up after itself)
import http from 'node:http';
import { engineRequest, httpGet, load, startService } from './lib.mjs';

const NETWORKS = 40;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = 3;
const PREFIX = 'sybench-net-';

async function removeBenchNetworks() {
  const list = JSON.parse((await engineRequest('GET', '/networks')).body);
  for (const n of list.filter((x) => x.Name.startsWith(PREFIX)))
    await engineRequest('DELETE', `/networks/${n.Id}`);
}

async function main() {
  await removeBenchNetworks();
  for (let i = 0; i < NETWORKS; i++) {
    const res = await engineRequest('POST', '/networks/create', {
      Name: `${PREFIX}${i}`,
      Labels: { 'switchyard-bench': '1', 'io.switchyard.managed': 'true' },
      IPAM: { Config: [{ Subnet: `10.123.${200 + i}.0/24` }] },
    });
    if (res.status !== 201) throw new Error(`could not create bench network: ${res.body}`);
  }
  const service = await startService();
  const engineAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const serviceAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const viaEngine = () => engineRequest('GET', '/networks', undefined, engineAgent);
  const viaService = () => httpGet(service.port, '/api/v1/networks', serviceAgent);
  try {
    const listed = JSON.parse((await viaService()).body).items.length;
    // Warm-up: JIT, connection pools, the engine's caches.
    await load(viaEngine, 200, CONCURRENCY);
    await load(viaService, 200, CONCURRENCY);
    const best = { engine: null, service: null };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, fn] of [
        ['engine', viaEngine],
        ['service', viaService],
      ]) {
        const r = await load(fn, REQUESTS, CONCURRENCY);
        if (!best[name] || r.rps > best[name].rps) best[name] = r;
      }
    }
    // One request at a time: no two requests can share an engine call here.
    const serial = { engine: await load(viaEngine, 500, 1), service: await load(viaService, 500, 1) };
    const fmt = (r) =>
      `${r.rps.toFixed(0).padStart(6)} req/s   p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms`;
    console.log(
      `list networks (${listed} in the list, ${REQUESTS} requests x ${ROUNDS} rounds, concurrency ${CONCURRENCY}, best round)`,
    );
    console.log(`  engine socket  GET /networks         ${fmt(best.engine)}`);
    console.log(`  switchyard     GET /api/v1/networks  ${fmt(best.service)}`);
    console.log(`  ratio service/engine throughput: ${(best.service.rps / best.engine.rps).toFixed(2)}`);
    console.log(`one request at a time (500 requests):`);
    console.log(`  engine socket  GET /networks         ${fmt(serial.engine)}`);
    console.log(`  switchyard     GET /api/v1/networks  ${fmt(serial.service)}`);
    console.log(`  ratio service/engine throughput: ${(serial.service.rps / serial.engine.rps).toFixed(2)}`);
  } finally {
    engineAgent.destroy();
    serviceAgent.destroy();
    await service.stop();
    await removeBenchNetworks();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
