import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../app.factory';
import { loadConfig } from '../config/app-config';
import { printAppSchema, SCHEMA_FILE } from '../graphql-schema';

// Boots the application on a throwaway database (the engine is not contacted) and writes schema.gql.
async function main(): Promise<void> {
  const app = await createApp(loadConfig({}, { DATABASE_PATH: ':memory:', LOG_LEVEL: 'error' }));
  const target = join(process.cwd(), SCHEMA_FILE);
  writeFileSync(target, printAppSchema(app));
  await app.close();
  process.stdout.write(`wrote ${target}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
