import { join } from 'node:path';
import { isBuiltIn } from '../../src/lookup/network-facts';
import { createKey } from '../support/memory-app';
import { MemoryEngine } from '../support/memory-engine';
import { runTempDir } from '../support/temp';
import { BOOT_TIMEOUT_MS, startAppOn, type TestApp } from '../support/test-app';

jest.setTimeout(30_000);

// Two Switchyard instances (two databases) on one engine, and a network made on the engine
// itself: what each prune may remove. The in-memory engine applies prune's label filters as
// Docker does, so even `all: true` runs here without touching a real engine.
describe('prune on a shared engine', () => {
  const engine = new MemoryEngine();
  let a: TestApp;
  let b: TestApp;

  const names = async () =>
    (await engine.listNetworks())
      .filter((n) => !isBuiltIn(n))
      .map((n) => n.name)
      .sort();
  const create = (t: TestApp, name: string) => t.http.post('/api/v1/networks').send({ name }).expect(201);
  const instanceOf = async (t: TestApp) =>
    (await t.http.get('/health/ready').expect(200)).body.checks.database.instanceId as string;

  beforeAll(async () => {
    a = await startAppOn(engine);
    b = await startAppOn(engine);
  }, BOOT_TIMEOUT_MS);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('keeps the instance id of a database across restarts, and gives another database another', async () => {
    const dir = runTempDir('instance-');
    const path = join(dir, 'switchyard.sqlite');
    const first = await startAppOn(engine, { DATABASE_PATH: path });
    const id = await instanceOf(first);
    await first.close();
    const again = await startAppOn(engine, { DATABASE_PATH: path });
    expect(await instanceOf(again)).toBe(id);
    await again.close();
    expect(id).not.toBe(await instanceOf(a));
  });

  it('without all removes only its own; all: true (unscoped admin) removes every unused network', async () => {
    await create(a, 'a-1');
    await create(b, 'b-1');
    await engine.createNetwork({
      name: 'raw',
      driver: 'bridge',
      internal: false,
      attachable: false,
      enableIPv6: false,
      ipam: { driver: 'default', config: [], options: {} },
      options: {},
      labels: { 'io.switchyard.managed': 'true' },
    });
    expect((await a.http.post('/api/v1/networks/prune').send({}).expect(200)).body.removed).toEqual(['a-1']);
    expect(await names()).toEqual(['b-1', 'raw']);

    const operator = await createKey(a, 'op', 'operator');
    const scopedAdmin = await createKey(a, 'scoped-admin', 'admin', { team: 'x' });
    for (const key of [operator, scopedAdmin]) {
      const res = await a.as(key).post('/api/v1/networks/prune').send({ all: true }).expect(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
    expect(await names()).toEqual(['b-1', 'raw']);

    expect(
      (await a.http.post('/api/v1/networks/prune').send({ all: true }).expect(200)).body.removed,
    ).toEqual(['b-1', 'raw']);
    expect(await names()).toEqual([]);
  });
});
