// A CPU profile of the service answering `GET /api/v1/networks` one request at a time (the fixed
// cost per request): starts the built service with --cpu-prof into BENCH_CPU_PROF (default a
// temporary folder), sends BENCH_REQUESTS (5000) lists, stops it and prints the profile's top.
// Usage: npm run build && node bench/profile-list.mjs   (lists whatever is on DOCKER_HOST)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_FLAGS, httpGet, load, startService } from './lib.mjs';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000);
const dir = process.env.BENCH_CPU_PROF ?? mkdtempSync(join(tmpdir(), 'sy-list-prof-'));
const service = await startService({}, { nodeFlags: [...NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${dir}`] });
try {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  await load(() => httpGet(service.port, '/api/v1/networks', agent), 200, 1);
  const result = await load(() => httpGet(service.port, '/api/v1/networks', agent), REQUESTS, 1);
  console.log(JSON.stringify(result));
  agent.destroy();
} finally {
  await service.stop();
}
const profile = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (profile) {
  const top = new URL('./cpu-profile-top.mjs', import.meta.url).pathname;
  spawnSync(process.execPath, [top, join(dir, profile)], { stdio: 'inherit' });
}
