import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
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

// The database holds the audit log and the keys' hashes: readable by the service's user only.
// SQLite gives the -wal and -shm files the database file's mode; files of an earlier version
// are tightened too.
function ownerOnly(databasePath: string): void {
  mkdirSync(dirname(databasePath), { recursive: true });
  if (!existsSync(databasePath)) closeSync(openSync(databasePath, 'a', 0o600));
  for (const file of [databasePath, `${databasePath}-wal`, `${databasePath}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}

export function databaseOptions(databasePath: string): DataSourceOptions {
  if (databasePath !== ':memory:') ownerOnly(databasePath);
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
