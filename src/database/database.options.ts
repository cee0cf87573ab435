import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';

// Compiled, this file sits in dist/database and the migrations in dist/migrations; under the
// test runner it sits in src/database and the migrations are the .ts sources in migrations/.
function migrationGlob(): string {
  const compiled = __filename.endsWith('.js');
  return compiled
    ? join(__dirname, '..', 'migrations', '*.js')
    : join(__dirname, '..', '..', 'migrations', '*.ts');
}

export function databaseOptions(databasePath: string): DataSourceOptions {
  if (databasePath !== ':memory:') mkdirSync(dirname(databasePath), { recursive: true });
  return {
    type: 'better-sqlite3',
    database: databasePath,
    entities: ENTITIES,
    migrations: [migrationGlob()],
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    prepareDatabase: (db: { pragma: (sql: string) => unknown }) => {
      db.pragma('journal_mode = WAL');
      // FULL: a committed transaction survives power loss (NORMAL may lose the last ones in WAL mode).
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    },
  };
}
