import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exit };
}

describe('the built service', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-start-'));

  beforeAll(() => {
    if (!existsSync(MAIN))
      throw new Error('dist/main.js is missing: run `npm run build` first (npm test does).');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
});
