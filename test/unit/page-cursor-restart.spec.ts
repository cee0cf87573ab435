import { join } from 'node:path';
import { MemoryEngine } from '../support/memory-engine';
import { runTempDir } from '../support/temp';
import { BOOT_TIMEOUT_MS, startAppOn, type TestApp } from '../support/test-app';

jest.setTimeout(30_000);

// A next cursor is signed with the instance's own key, kept in its database: it survives a
// restart of the same instance, and another instance refuses it.
describe('page cursors across restarts', () => {
  const engine = new MemoryEngine();
  const apps: TestApp[] = [];
  const start = async (path?: string) => {
    const app = await startAppOn(engine, path ? { DATABASE_PATH: path } : {});
    apps.push(app);
    return app;
  };
  afterAll(async () => {
    for (const app of apps) await app.close();
  }, BOOT_TIMEOUT_MS);

  it('continues a listing after a restart, and another instance refuses the cursor', async () => {
    const path = join(runTempDir('cursor-'), 'switchyard.sqlite');
    const first = await start(path);
    for (const name of ['c-1', 'c-2', 'c-3'])
      await first.http.post('/api/v1/networks').send({ name }).expect(201);
    const page = await first.http.get('/api/v1/audit-logs?action=network.create&limit=2').expect(200);
    const cursor = page.body.nextCursor as string;
    expect(typeof cursor).toBe('string');
    await first.close();
    apps.splice(apps.indexOf(first), 1);

    const again = await start(path);
    const next = await again.http.get(`/api/v1/audit-logs?cursor=${encodeURIComponent(cursor)}`).expect(200);
    // The same filter and page size, from where the first page ended (ids are newest first).
    const ids = (body: { items: { id: number; action: string }[] }) => body.items.map((e) => e.id);
    expect(next.body.items).toHaveLength(2);
    expect(next.body.items.every((e: { action: string }) => e.action === 'network.create')).toBe(true);
    expect(Math.max(...ids(next.body))).toBeLessThan(Math.min(...ids(page.body)));

    const other = await start();
    const refused = await other.http
      .get(`/api/v1/audit-logs?cursor=${encodeURIComponent(cursor)}`)
      .expect(400);
    expect(refused.body.code).toBe('VALIDATION_FAILED');
    expect(refused.body.errors[0].field).toBe('cursor');
  });
});
