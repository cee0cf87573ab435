import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { databaseOptions } from '../../src/database/database.options';
import { WriteQueue } from '../../src/database/write-queue';

// The real SQLite file with the real options and migrations the service uses.
describe('SQLite through TypeORM', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-db-'));
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = new DataSource(databaseOptions(join(dir, 'nested', 'db.sqlite')));
    await dataSource.initialize();
    await dataSource.runMigrations();
  });
  afterAll(async () => {
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs in WAL mode with full durability', async () => {
    const [journal] = await dataSource.query('PRAGMA journal_mode');
    const [sync] = await dataSource.query('PRAGMA synchronous');
    const [fk] = await dataSource.query('PRAGMA foreign_keys');
    expect(journal.journal_mode).toBe('wal');
    expect(sync.synchronous).toBe(2); // FULL
    expect(fk.foreign_keys).toBe(1);
  });

  it('has no pending migrations after start', async () => {
    expect(await dataSource.showMigrations()).toBe(false);
  });

  it('runs concurrent write transactions one at a time, each committed exactly once', async () => {
    await dataSource.query('CREATE TABLE queue_probe (id INTEGER PRIMARY KEY, seen INTEGER NOT NULL)');
    const queue = new WriteQueue(dataSource);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        queue.transaction(async (manager) => {
          const [{ n }] = await manager.query('SELECT COUNT(*) AS n FROM queue_probe');
          // Yield inside the transaction: without the queue, another transaction would start here.
          await new Promise((r) => setTimeout(r, 1));
          await manager.query('INSERT INTO queue_probe (id, seen) VALUES (?, ?)', [i, n]);
          if (i % 10 === 9) throw new Error('rolled back on purpose');
          return n as number;
        }),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toHaveLength(5);
    const rows: Array<{ id: number; seen: number }> = await dataSource.query(
      'SELECT id, seen FROM queue_probe ORDER BY id',
    );
    expect(rows).toHaveLength(45);
    expect(rows.some((r) => r.id % 10 === 9)).toBe(false);
    // Each transaction saw every row committed before it, and nothing else: they did not interleave.
    expect(rows.map((r) => r.seen)).toEqual(rows.map((_, index) => index));
  });
});

describe('migrations and entities', () => {
  it('match: after all migrations, the entities need no schema change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-drift-'));
    const dataSource = new DataSource(databaseOptions(join(dir, 'db.sqlite')));
    try {
      await dataSource.initialize();
      await dataSource.runMigrations();
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
