// `npm run serve` from the command to /health/ready 200: the first start (no build yet, so it
// builds) and the second (nothing changed: npm ci and the build are skipped). It runs in a copy of
// the project that shares this checkout's node_modules, so this checkout's dist/ is left alone.
// Usage: npm run bench:serve   (needs the test engines: npm run engine:up)
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_KEY, DOCKER_HOST, freePort } from './lib.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const INPUTS = [
  'src',
  'migrations',
  'scripts',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.migrations.json',
];

async function serveOnce(copy, port, databasePath) {
  const started = performance.now();
  const child = spawn('npm', ['run', 'serve'], {
    cwd: copy,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DOCKER_HOST,
      PORT: String(port),
      DATABASE_PATH: databasePath,
      ADMIN_API_KEY: BENCH_KEY,
    },
  });
  let said = '';
  child.stderr.on('data', (d) => (said += d.toString()));
  child.stdout.resume();
  const deadline = started + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm run serve exited: ${said}`);
    const res = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null);
    if (res?.status === 200) break;
    if (performance.now() > deadline) throw new Error(`not ready after 180 s: ${said}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const readyMs = performance.now() - started;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGTERM');
  await exited;
  return { readyMs, line: said.split('\n').find((l) => l.startsWith('[serve]')) };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-serve-'));
  try {
    const copy = join(dir, 'project');
    for (const input of [...INPUTS, 'nest-cli.json', 'package.json', 'package-lock.json'])
      cpSync(join(ROOT, input), join(copy, input), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const port = await freePort();
    for (const which of ['first start (builds)', 'second start (nothing changed)']) {
      const { readyMs, line } = await serveOnce(copy, port, join(dir, 'switchyard.sqlite'));
      console.log(`${which}: ${readyMs.toFixed(0)} ms to /health/ready 200   ${line}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
