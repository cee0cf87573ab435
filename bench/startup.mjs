// Cold start to ready and idle memory of `node dist/main.js`, median of several starts.
// Usage: npm run build && npm run bench:startup   (needs a running engine)
import { rssMiB, startService } from './lib.mjs';

const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const IDLE_MS = 3000;

async function main() {
  const ready = [];
  const rss = [];
  for (let i = 0; i < STARTS; i++) {
    const service = await startService();
    ready.push(service.readyMs);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    rss.push(rssMiB(service.pid));
    await service.stop();
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `cold start to /health/ready 200: median ${median(ready).toFixed(0)} ms (all: ${ready.map((x) => x.toFixed(0)).join(', ')})`,
  );
  console.log(
    `idle RSS after ${IDLE_MS / 1000} s: median ${median(rss).toFixed(1)} MiB (all: ${rss.map((x) => x.toFixed(1)).join(', ')})`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
