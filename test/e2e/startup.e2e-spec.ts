import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_ADMIN_KEY } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine } from '../support/engine';
import { ENGINE_HOST } from '../support/engines';
import { runPrefix } from '../support/names';

// Runs the built service the way users do: `node dist/main.js`.
const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function run(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exit: Promise<Exit>;
} {
  let output = '';
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', DOCKER_HOST: ENGINE_HOST, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exit };
}

describe('the built service', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-start-'));
  const p = runPrefix('start');

  beforeAll(() => {
    if (!existsSync(MAIN))
      throw new Error('dist/main.js is missing: run `npm run build` first (npm test does).');
  });
  afterAll(async () => {
    await cleanupEngine(p);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses bad configuration with exit code 78 and names every bad variable', async () => {
    const { exit, output } = run({ PORT: 'x', LOG_LEVEL: 'chatty', DOCKER_HOST: 'ftp://nowhere' });
    expect((await exit).code).toBe(78);
    for (const name of ['PORT', 'LOG_LEVEL', 'DOCKER_HOST']) expect(output()).toContain(name);
  });

  it('starts, runs its migrations on a new SQLite file, becomes ready and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const databasePath = join(dir, 'nested', 'switchyard.sqlite');
    const { child, exit, output } = run({
      PORT: String(port),
      DATABASE_PATH: databasePath,
      LOG_LEVEL: 'warn',
    });
    let ready = false;
    for (let i = 0; i < 100 && !ready; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
    }
    expect(ready).toBe(true);
    expect(existsSync(databasePath)).toBe(true);
    // Without ADMIN_API_KEY the first start creates an admin key and prints it once.
    const printed = /\n {2}(sy_[A-Za-z0-9_-]{43})\n/.exec(output());
    expect(printed).not.toBeNull();
    const key = printed![1];
    expect(await fetch(`http://127.0.0.1:${port}/api/v1/networks`).then((r) => r.status)).toBe(401);
    const authed = await fetch(`http://127.0.0.1:${port}/api/v1/networks`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(authed.status).toBe(200);
    child.kill('SIGTERM');
    // Nest closes the application (database included), then lets the signal end the process.
    const { code, signal } = await exit;
    expect(code === 0 || signal === 'SIGTERM').toBe(true);
    expect(output()).not.toMatch(/error/i);

    // A second start on the same database keeps that key and prints none.
    const again = run({ PORT: String(port), DATABASE_PATH: databasePath, LOG_LEVEL: 'warn' });
    let back = false;
    for (let i = 0; i < 100 && !back; i++) {
      await new Promise((r) => setTimeout(r, 100));
      back = await fetch(`http://127.0.0.1:${port}/api/v1/networks`, {
        headers: { authorization: `Bearer ${key}` },
      }).then(
        (r) => r.status === 200,
        () => false,
      );
    }
    expect(back).toBe(true);
    expect(again.output()).not.toContain('sy_');
    again.child.kill('SIGTERM');
    await again.exit;
  });

  it('marks an operation cut short by a kill as interrupted at the next start, with what the engine shows', async () => {
    const port = await freePort();
    const databasePath = join(dir, 'killed', 'switchyard.sqlite');
    const env = {
      PORT: String(port),
      DATABASE_PATH: databasePath,
      LOG_LEVEL: 'warn',
      ADMIN_API_KEY: TEST_ADMIN_KEY,
    };
    const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };
    const base = `http://127.0.0.1:${port}/api/v1`;
    const waitReady = async () => {
      for (let i = 0; i < 100; i++) {
        if (
          await fetch(`http://127.0.0.1:${port}/health/ready`).then(
            (r) => r.status === 200,
            () => false,
          )
        )
          return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the service did not become ready');
    };
    const first = run(env);
    await waitReady();
    // sleep as PID 1 ignores SIGTERM: stopping it takes the whole grace period.
    const created = await fetch(`${base}/containers`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: `${p}stubborn`,
        image: TEST_IMAGE,
        command: ['sleep', '3600'],
        labels: { [TEST_LABEL]: p },
      }),
    });
    expect(created.status).toBe(201);
    void fetch(`${base}/containers/${p}stubborn/stop?timeout=30`, { method: 'POST', headers: auth }).catch(
      () => undefined,
    );
    let intent = '';
    for (let i = 0; i < 100 && !intent; i++) {
      await new Promise((r) => setTimeout(r, 50));
      intent = execFileSync('sqlite3', [databasePath], {
        input: "SELECT operation_id FROM audit_log WHERE action = 'container.stop' AND phase = 'intent';",
        encoding: 'utf8',
      }).trim();
    }
    expect(intent).not.toBe('');
    first.child.kill('SIGKILL');
    await first.exit;

    const second = run(env);
    await waitReady();
    const res = await fetch(`${base}/audit-logs?action=container.stop`, { headers: auth });
    const items = ((await res.json()) as { items: Array<Record<string, unknown>> }).items;
    const outcome = items.find((e) => e.operationId === intent && e.phase === 'outcome');
    expect(outcome).toMatchObject({
      outcome: 'interrupted',
      target: { kind: 'container', name: `${p}stubborn` },
    });
    expect(String(outcome?.detail)).toContain('stopped after recording the intent');
    expect((outcome?.after as { name?: string } | null)?.name).toBe(`${p}stubborn`);
    const verified = (await (await fetch(`${base}/audit-logs/verify`, { headers: auth })).json()) as {
      ok: boolean;
    };
    expect(verified.ok).toBe(true);
    second.child.kill('SIGTERM');
    await second.exit;
  });
});
