import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_ADMIN_KEY } from '../support/app';
import { TEST_IMAGE, TEST_LABEL } from '../support/constants';
import { cleanupEngine } from '../support/engine';
import { runPrefix } from '../support/names';
import { runTempDir } from '../support/temp';
import { freePort, ServiceProcesses } from '../support/service-process';
import { waitFor } from '../support/wait';

describe('the built service', () => {
  const dir = runTempDir('start-');
  const p = runPrefix('start');
  const services = new ServiceProcesses();

  // Whatever a failed test left running ends here, so no service outlives the suite.
  afterEach(() => services.stopAll());
  afterAll(async () => {
    await cleanupEngine(p);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses bad configuration with exit code 78 and names every bad variable', async () => {
    const service = services.start({ PORT: 'x', LOG_LEVEL: 'chatty', DOCKER_HOST: 'ftp://nowhere' });
    expect(await service.exit).toEqual({ code: 78, signal: null });
    for (const name of ['PORT', 'LOG_LEVEL', 'DOCKER_HOST']) expect(service.output()).toContain(name);
  });

  it('starts, runs its migrations on a new SQLite file, becomes ready, and on SIGTERM closes everything and exits 0', async () => {
    const port = await freePort();
    const databasePath = join(dir, 'nested', 'switchyard.sqlite');
    const env = { PORT: String(port), DATABASE_PATH: databasePath, LOG_LEVEL: 'info' };
    const first = services.start(env);
    await first.waitFor200(`http://127.0.0.1:${port}/health/ready`);
    expect(existsSync(databasePath)).toBe(true);
    // Without ADMIN_API_KEY the first start creates an admin key and prints it once.
    const printed = /\n {2}(sy_[A-Za-z0-9_-]{43})\n/.exec(first.output());
    expect(printed).not.toBeNull();
    const key = printed![1];
    expect(await fetch(`http://127.0.0.1:${port}/api/v1/networks`).then((r) => r.status)).toBe(401);
    const authed = await fetch(`http://127.0.0.1:${port}/api/v1/networks`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(authed.status).toBe(200);

    first.child.kill('SIGTERM');
    // A clean stop, not a death by signal: the application closed and the process chose code 0.
    expect(await first.exit).toEqual({ code: 0, signal: null });
    expect(first.output()).toContain('SIGTERM: shutdown started');
    expect(first.output()).toContain('"msg":"stopped: shutdown finished in ');
    expect(first.output()).not.toMatch(/"level":(50|60)/);
    // The database was closed: SQLite folds the write-ahead log back and removes it.
    expect(existsSync(`${databasePath}-wal`)).toBe(false);

    // A second start on the same database keeps that key and prints none.
    const again = services.start(env);
    await again.waitFor200(`http://127.0.0.1:${port}/api/v1/networks`, { authorization: `Bearer ${key}` });
    expect(again.output()).not.toContain('sy_');
    again.child.kill('SIGINT');
    expect(await again.exit).toEqual({ code: 0, signal: null });
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
    const first = services.start(env);
    await first.waitFor200(`http://127.0.0.1:${port}/health/ready`);
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
    void fetch(`${base}/containers/${p}stubborn/stop?timeout=60`, { method: 'POST', headers: auth }).catch(
      () => undefined,
    );
    const intent = await waitFor(
      () =>
        execFileSync('sqlite3', [databasePath], {
          input: "SELECT operation_id FROM audit_log WHERE action = 'container.stop' AND phase = 'intent';",
          encoding: 'utf8',
        }).trim(),
      { what: 'the intent of container.stop in the audit log' },
    );
    first.child.kill('SIGKILL');
    expect(await first.exit).toEqual({ code: null, signal: 'SIGKILL' });

    const second = services.start(env);
    await second.waitFor200(`http://127.0.0.1:${port}/health/ready`);
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
    expect(await second.exit).toEqual({ code: 0, signal: null });
  });
});
