import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditEntryEntity } from '../audit/audit-entry.entity';
import { AuditWriter } from '../audit/audit-writer';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { generateApiKey } from '../auth/api-key-secret';
import { ADMIN_KEY_COMMAND, ADMIN_KEY_IMAGE_COMMAND, newApiKeyEntity } from '../auth/api-keys.service';
import { CreateApiKeyInput } from '../auth/dto/create-api-key.input';
import { ConfigError, loadConfig } from '../config/app-config';
import { databaseOptions } from '../database/database.options';
import { WriteQueue } from '../database/write-queue';

// `npm run key:admin -- --name <name>` (`node dist/cli/admin-key.js --name <name>` in the image): a new admin API key for whoever lost theirs. It needs what
// only the host gives (the database file), no API key: the service may be running or not. The key
// is minted as the API mints keys, recorded in the audit log as made by the host's user, and
// printed once.

const USAGE =
  `usage: ${ADMIN_KEY_COMMAND}\n` +
  `   or: node dist/cli/admin-key.js --name <name>   (in the image: ${ADMIN_KEY_IMAGE_COMMAND})\n` +
  'Makes a new admin API key in the database at DATABASE_PATH (the service may be running) and prints it once.\n' +
  'Run it with the environment of the service (DATABASE_PATH, AUDIT_HMAC_KEY).\n';
const EXIT_REFUSED = 1;
const EXIT_USAGE = 2;
const EXIT_CONFIG = 78;

class Refusal extends Error {
  constructor(
    message: string,
    readonly exitCode = EXIT_REFUSED,
  ) {
    super(message);
  }
}

// The name to give the key, or null when usage was asked for (--help, -h). `--name` given twice
// is refused rather than one of them silently taken.
function nameFromArguments(args: string[]): string | null {
  let name: string | undefined;
  try {
    const { values, tokens } = parseArgs({
      args,
      options: { name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      tokens: true,
    });
    if (values.help) return null;
    if (tokens.filter((token) => token.kind === 'option' && token.name === 'name').length > 1)
      throw new Refusal(`--name is given more than once: give it once.\n${USAGE}`, EXIT_USAGE);
    name = values.name;
  } catch (error) {
    if (error instanceof Refusal) throw error;
    throw new Refusal(`${(error as Error).message}\n${USAGE}`, EXIT_USAGE);
  }
  if (!name) throw new Refusal(`--name is required.\n${USAGE}`, EXIT_USAGE);
  const problems = validateSync(plainToInstance(CreateApiKeyInput, { name, role: 'admin' }));
  if (problems.length > 0) {
    const said = problems.flatMap((p) => Object.values(p.constraints ?? {})).join('; ');
    throw new Refusal(`${said}\n${USAGE}`, EXIT_USAGE);
  }
  return name;
}

// The entry appended here must continue the chain the service verifies: with another
// AUDIT_HMAC_KEY than the service's, the last entry does not verify, and nothing is written.
async function assertChainContinues(manager: EntityManager, writer: AuditWriter): Promise<void> {
  const [last] = await manager.getRepository(AuditEntryEntity).find({ order: { id: 'DESC' }, take: 1 });
  if (last && writer.entryHash(last) !== last.hash) {
    throw new Refusal(
      "The audit log's last entry does not verify with this environment's AUDIT_HMAC_KEY: run this with the service's " +
        'AUDIT_HMAC_KEY (or check the chain with GET /api/v1/audit-logs/verify). Nothing was written.',
    );
  }
}

async function mint(name: string): Promise<{ key: string; actor: string; path: string }> {
  const config = loadConfig();
  const path = config.DATABASE_PATH;
  if (path === ':memory:' || !existsSync(path)) {
    throw new Refusal(
      `No database at DATABASE_PATH=${path}: run this with the service's DATABASE_PATH (the service creates ` +
        'the database, and the first admin key, at its first start).',
    );
  }
  const dataSource = await new DataSource({ ...databaseOptions(path), logging: false }).initialize();
  try {
    const writer = new AuditWriter(new WriteQueue(dataSource), config);
    const actor = `host:${userInfo().username}`;
    const key = generateApiKey();
    const entity = newApiKeyEntity(name, 'admin', key, null, {}, actor);
    const runner = dataSource.createQueryRunner();
    // IMMEDIATE: the write lock first, so a running service cannot append between the read of the
    // chain's end and this entry.
    await runner.query('BEGIN IMMEDIATE');
    try {
      const keys = runner.manager.getRepository(ApiKeyEntity);
      if (await keys.exists({ where: { name } })) {
        throw new Refusal(`An API key named "${name}" exists; choose another name.`);
      }
      await assertChainContinues(runner.manager, writer);
      await keys.insert(entity);
      await writer.appendWithin(runner.manager, [
        {
          at: new Date().toISOString(),
          requestId: randomUUID(),
          actor,
          transport: 'cli',
          action: 'apikey.create',
          phase: 'outcome',
          operationId: randomUUID(),
          targetKind: 'apiKey',
          targetName: name,
          targetId: entity.id,
          input: JSON.stringify({ input: { name, role: 'admin' } }),
          outcome: 'succeeded',
          errorCode: null,
          durationMs: null,
          before: null,
          after: null,
          detail: 'An admin key made on the host with the key:admin command (no API key involved).',
          actorKeyId: null,
          targetLabels: null,
        },
      ]);
      await runner.query('COMMIT');
    } catch (error) {
      await runner.query('ROLLBACK');
      throw error;
    } finally {
      await runner.release();
    }
    return { key, actor, path };
  } finally {
    await dataSource.destroy();
  }
}

async function main(): Promise<void> {
  const name = nameFromArguments(process.argv.slice(2));
  if (name === null) {
    process.stdout.write(USAGE);
    return;
  }
  const { key, actor, path } = await mint(name);
  process.stdout.write(
    `switchyard: created the admin API key "${name}" in ${path} (audit log: apikey.create by ${actor}). ` +
      `It is shown only now:\n\n  ${key}\n\nSend it as "Authorization: Bearer <key>".\n`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`switchyard: ${error.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  if (error instanceof Refusal) {
    process.stderr.write(`switchyard: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(
    `switchyard: could not make the key: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
