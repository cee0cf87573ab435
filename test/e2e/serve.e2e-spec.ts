import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dependencyState } from '../../scripts/lib/serve-state.mjs';
import { ENGINE_HOST } from '../support/engines';
import { runPrefix } from '../support/names';
import { freePort, ServiceProcess, ServiceProcesses } from '../support/service-process';
import { runTempDir } from '../support/temp';
import { waitFor } from '../support/wait';

const ROOT = join(__dirname, '..', '..');
const KEY = /^ {2}(sy_[A-Za-z0-9_-]{43})$/gm;
const run = promisify(execFile);

// `npm run serve` for real, in a copy of the project that shares this checkout's node_modules:
// its build goes to the copy's own dist/, so it never races the tests that run this checkout's.
describe('npm run serve', () => {
  const dir = runTempDir('serve-');
  const copy = join(dir, 'project');
  let serving: ServiceProcess | null = null;

  beforeAll(() => {
    for (const input of [
      'src',
      'migrations',
      'scripts',
      'tsconfig.json',
      'tsconfig.build.json',
      'tsconfig.migrations.json',
      'nest-cli.json',
      'package.json',
      'package-lock.json',
    ])
      cpSync(join(ROOT, input), join(copy, input), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    // The local package the OpenAPI client check installs (package-lock.json lists it and its
    // own node_modules), shared like the root's.
    const tool = join('test', 'tools', 'openapi-client');
    mkdirSync(join(copy, tool), { recursive: true });
    cpSync(join(ROOT, tool, 'package.json'), join(copy, tool, 'package.json'));
    symlinkSync(join(ROOT, tool, 'node_modules'), join(copy, tool, 'node_modules'));
  });

  // The whole process group: npm, the script and the service it execs.
  afterEach(async () => {
    const child = serving?.child;
    serving = null;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    process.kill(-child.pid, 'SIGTERM');
    const exited = await Promise.race([
      new Promise((resolve) => child.once('exit', resolve)),
      new Promise((resolve) => setTimeout(resolve, 15_000, 'late')),
    ]);
    if (exited === 'late') process.kill(-child.pid, 'SIGKILL');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const serve = (port: number): ServiceProcess => {
    const child = spawn('npm', ['run', 'serve'], {
      cwd: copy,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        DOCKER_HOST: ENGINE_HOST,
        PORT: String(port),
        DATABASE_PATH: join(dir, 'switchyard.sqlite'),
        ADMIN_API_KEY: 'serve-e2e-admin-key-0123456789abcdef',
      },
    });
    serving = new ServiceProcess(child);
    return serving;
  };

  const stop = async (service: ServiceProcess) => {
    process.kill(-service.child.pid!, 'SIGTERM');
    await service.exit;
    // Nothing of the group lives on.
    await waitFor(
      () => {
        try {
          process.kill(-service.child.pid!, 0);
          return false;
        } catch {
          return true;
        }
      },
      { what: 'the process group of npm run serve to end', timeoutMs: 15_000 },
    );
  };

  it('builds on the first start, and on the second says the build is up to date and serves at once', async () => {
    // The test must never run npm ci on the shared node_modules.
    expect(dependencyState(copy)).toEqual({
      current: true,
      reason: 'node_modules matches package-lock.json',
    });
    const port = await freePort();

    const first = serve(port);
    await first.waitFor200(`http://127.0.0.1:${port}/health/ready`, {}, 110_000);
    expect(first.output()).toContain('[serve] npm ci skipped: node_modules matches package-lock.json');
    expect(first.output()).toContain('build needed: dist/main.js is missing');
    expect(first.output()).toContain('nest build');
    await stop(first);

    const second = serve(port);
    await second.waitFor200(`http://127.0.0.1:${port}/health/ready`, {}, 60_000);
    expect(second.output()).toContain(
      '[serve] npm ci skipped: node_modules matches package-lock.json; build skipped: up to date, the sources are unchanged since the last build',
    );
    expect(second.output()).not.toContain('nest build');
    expect(second.output()).not.toContain('npm ci needed');
    await stop(second);
  }, 240_000);
});

// A restart on an existing database says that an admin key exists and how to make a new one;
// `npm run key:admin` makes one on the host.
describe('the admin key across restarts', () => {
  const dir = runTempDir('adminkey-');
  const p = runPrefix('akey');
  const services = new ServiceProcesses();

  afterEach(() => services.stopAll());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const keyAdmin = (databasePath: string, ...args: string[]) =>
    run('npm', ['run', '--silent', 'key:admin', '--', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', DATABASE_PATH: databasePath },
    });

  it('prints the first key once, says on a restart that one exists, and the CLI mints a working admin key', async () => {
    const port = await freePort();
    const databasePath = join(dir, 'restart.sqlite');
    const env = { PORT: String(port), DATABASE_PATH: databasePath, LOG_LEVEL: 'info' };
    const base = `http://127.0.0.1:${port}`;

    const first = services.start(env);
    await first.waitFor200(`${base}/health/ready`);
    const printed = [...first.output().matchAll(KEY)].map((m) => m[1]);
    expect(printed).toHaveLength(1);
    expect(first.output()).not.toContain('an admin key exists');
    first.child.kill('SIGTERM');
    await first.exit;

    const second = services.start(env);
    await second.waitFor200(`${base}/health/ready`);
    expect(second.output()).not.toContain('sy_');
    expect(second.output()).toMatch(
      /an admin key exists \(1 active\); if it was lost, make a new one on this host: npm run key:admin -- --name <name>/,
    );

    // While the service runs, as an operator on the host would.
    const minted = await keyAdmin(databasePath, '--name', `${p}ops`);
    const key = [...minted.stdout.matchAll(KEY)].map((m) => m[1]);
    expect(key).toHaveLength(1);
    expect(key[0]).not.toBe(printed[0]);
    const auth = { authorization: `Bearer ${key[0]}` };
    const keys = await fetch(`${base}/api/v1/api-keys`, { headers: auth });
    expect(keys.status).toBe(200);
    const listed = ((await keys.json()) as { items: Array<Record<string, unknown>> }).items;
    expect(listed.find((k) => k.name === `${p}ops`)).toMatchObject({
      role: 'admin',
      scope: {},
      revokedAt: null,
      createdBy: expect.stringMatching(/^host:/),
    });

    const audit = await fetch(`${base}/api/v1/audit-logs?action=apikey.create`, { headers: auth });
    const entries = ((await audit.json()) as { items: Array<Record<string, unknown>> }).items;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'apikey.create',
      phase: 'outcome',
      outcome: 'succeeded',
      transport: 'cli',
      actor: expect.stringMatching(/^host:/),
      target: { kind: 'apiKey', name: `${p}ops` },
    });
    expect(JSON.stringify(entries[0])).not.toContain(key[0]);
    const verified = await fetch(`${base}/api/v1/audit-logs/verify`, { headers: auth });
    expect(((await verified.json()) as { ok: boolean }).ok).toBe(true);

    // A name that is taken is refused, and nothing is written.
    const again = await keyAdmin(databasePath, '--name', `${p}ops`).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(again).toMatchObject({ code: 1 });
    expect((again as { stderr: string }).stderr).toContain(`An API key named "${p}ops" exists`);
    expect((again as { stdout: string }).stdout).not.toContain('sy_');
  });

  it('after every key was revoked, the next start makes and prints a new first key', async () => {
    const port = await freePort();
    const databasePath = join(dir, 'revoked.sqlite');
    const env = { PORT: String(port), DATABASE_PATH: databasePath };
    const base = `http://127.0.0.1:${port}`;

    const first = services.start(env);
    await first.waitFor200(`${base}/health/ready`);
    const [oldKey] = [...first.output().matchAll(KEY)].map((m) => m[1]);
    const auth = { authorization: `Bearer ${oldKey}` };
    const listed = (await (await fetch(`${base}/api/v1/api-keys`, { headers: auth })).json()) as {
      items: Array<{ id: string }>;
    };
    const revoked = await fetch(`${base}/api/v1/api-keys/${listed.items[0].id}`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(revoked.status).toBeLessThan(300);
    first.child.kill('SIGTERM');
    await first.exit;

    const second = services.start(env);
    await second.waitFor200(`${base}/health/ready`);
    const [newKey] = [...second.output().matchAll(KEY)].map((m) => m[1]);
    expect(newKey).toBeDefined();
    const status = (key: string) =>
      fetch(`${base}/api/v1/networks`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    expect(await status(newKey)).toBe(200);
    expect(await status(oldKey)).toBe(401);
  });

  it('refuses to run without a valid --name, and says how to call it', async () => {
    const databasePath = join(dir, 'usage.sqlite');
    for (const args of [[], ['--name'], ['--name', 'bad name!']]) {
      const refused = await keyAdmin(databasePath, ...args).catch(
        (error: { code: number; stderr: string }) => error,
      );
      expect(refused).toMatchObject({ code: 2 });
      expect((refused as { stderr: string }).stderr).toContain('npm run key:admin -- --name <name>');
    }
  });

  it('with ADMIN_API_KEY says so at start, and a changed ADMIN_API_KEY replaces the bootstrap key', async () => {
    const port = await freePort();
    const databasePath = join(dir, 'configured.sqlite');
    const base = `http://127.0.0.1:${port}`;
    const oldKey = `${p}old-admin-key-0123456789abcdefghij`;
    const newKey = `${p}new-admin-key-0123456789abcdefghij`;
    const status = (key: string) =>
      fetch(`${base}/api/v1/networks`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);

    const first = services.start({ PORT: String(port), DATABASE_PATH: databasePath, ADMIN_API_KEY: oldKey });
    await first.waitFor200(`${base}/health/ready`);
    expect(await status(oldKey)).toBe(200);
    first.child.kill('SIGTERM');
    await first.exit;

    const second = services.start({ PORT: String(port), DATABASE_PATH: databasePath, ADMIN_API_KEY: newKey });
    await second.waitFor200(`${base}/health/ready`);
    expect(second.output()).toContain(
      'the admin key bootstrap-admin is the one ADMIN_API_KEY sets (replaced now: the bootstrap-admin key before no longer works)',
    );
    expect(second.output()).not.toContain(newKey);
    expect(await status(newKey)).toBe(200);
    expect(await status(oldKey)).toBe(401);
  });
});
