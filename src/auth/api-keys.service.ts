import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { IsNull, Not, Repository, type EntityManager } from 'typeorm';
import { AuditWriter } from '../audit/audit-writer';
import { DomainError } from '../common/errors/domain-error';
import { Operations } from '../common/operation-context';
import { AppConfig } from '../config/app-config';
import { WriteQueue } from '../database/write-queue';
import { ApiKeyEntity } from './api-key.entity';
import { displayPrefix, generateApiKey, hashApiKey } from './api-key-secret';
import type { CreateApiKeyInput } from './dto/create-api-key.input';
import type { ApiKeyModel, CreatedApiKeyModel } from './models/api-key.model';
import { aRole, roleAtLeast, type Actor, type Role } from './roles';

// The key that ADMIN_API_KEY seeds, or the one created at first start.
export const BOOTSTRAP_KEY_NAME = 'bootstrap-admin';
// Mints an admin key from the host (src/cli/admin-key.ts), for a lost one.
export const ADMIN_KEY_COMMAND = 'npm run key:admin -- --name <name>';
// The same where the service runs from the image (no shell there, so no npm scripts): the
// compiled command straight through node, in the service's container and so its environment.
export const ADMIN_KEY_IMAGE_COMMAND = 'docker exec <container> node dist/cli/admin-key.js --name <name>';
// What the service says where a lost admin key is the question.
export const ADMIN_KEY_HINT = `${ADMIN_KEY_COMMAND} (in the image: ${ADMIN_KEY_IMAGE_COMMAND})`;
const TOUCH_INTERVAL_MS = 60_000;
const AUTH_CACHE_MS = 5_000;
const AUTH_CACHE_ENTRIES = 10_000;

// The host's user, as the host's key:admin command names it (a uid when the user has no name).
function hostActor(): string {
  try {
    return `host:${userInfo().username}`;
  } catch {
    return `host:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

const expired = (expiresAt: string | null) => expiresAt !== null && Date.parse(expiresAt) <= Date.now();

@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ApiKeysService.name);
  private readonly touched = new Map<string, number>();
  private readonly recent = new Map<string, { actor: Actor; expiresAt: string | null; at: number }>();
  // Bumped by every revocation so that a lookup racing one is not remembered.
  private generation = 0;
  // Told the id of each key revoked (graphql-ws closes the key's open sockets).
  private readonly revokeListeners = new Set<(keyId: string) => void>();

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly writes: WriteQueue,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.seed();
  }

  // ADMIN_API_KEY (re)sets the bootstrap admin key. Without it, the first start creates one and
  // prints it once; later starts leave the keys alone.
  async seed(): Promise<void> {
    const configured = this.config.ADMIN_API_KEY;
    if (configured) {
      const keyHash = hashApiKey(configured);
      await this.writes.transaction(async (manager) => {
        const repo = manager.getRepository(ApiKeyEntity);
        const existing = await repo.findOne({ where: { name: BOOTSTRAP_KEY_NAME } });
        if (existing?.keyHash === keyHash && existing.revokedAt === null && existing.role === 'admin') {
          this.logger.log(`the admin key ${BOOTSTRAP_KEY_NAME} is the one ADMIN_API_KEY sets`);
          return;
        }
        await repo.delete({ name: BOOTSTRAP_KEY_NAME });
        const entity = newApiKeyEntity(BOOTSTRAP_KEY_NAME, 'admin', configured, null, {}, 'ADMIN_API_KEY');
        await repo.insert(entity);
        // A replaced key is recorded, in the same transaction: entries before this one with the
        // actor bootstrap-admin were made with the old key, the ones after with the new.
        if (existing) await this.recordReplacement(manager, existing, entity);
        this.logger.log(
          `the admin key ${BOOTSTRAP_KEY_NAME} is the one ADMIN_API_KEY sets` +
            (existing ? ` (replaced now: the ${BOOTSTRAP_KEY_NAME} key before no longer works)` : ''),
        );
      });
      return;
    }
    const active = await this.keys.count({ where: { revokedAt: IsNull() } });
    if (active > 0) {
      await this.sayWhereAdminKeysAre();
      return;
    }
    const key = generateApiKey();
    await this.writes.transaction(async (manager) => {
      const repo = manager.getRepository(ApiKeyEntity);
      // Every key was revoked: a revoked first key would hold the name.
      await repo.delete({ name: BOOTSTRAP_KEY_NAME, revokedAt: Not(IsNull()) });
      await repo.insert(newApiKeyEntity(BOOTSTRAP_KEY_NAME, 'admin', key, null, {}, 'first start'));
    });
    // Straight to the terminal, not through the log pipeline: shown once, never stored in clear.
    process.stderr.write(
      `\nswitchyard: created the first admin API key (name "${BOOTSTRAP_KEY_NAME}"). It is shown only now:\n\n  ${key}\n\n` +
        'Send it as "Authorization: Bearer <key>". Set ADMIN_API_KEY to choose the admin key yourself.\n' +
        `If it is lost, make another on this host: ${ADMIN_KEY_HINT}\n\n`,
    );
  }

  // The audit entry of a bootstrap-admin key replaced at start through ADMIN_API_KEY: the old and
  // new key ids, by the host's user (as the host's key:admin command records), transport `config`.
  private async recordReplacement(
    manager: EntityManager,
    old: ApiKeyEntity,
    entity: ApiKeyEntity,
  ): Promise<void> {
    const key = (k: ApiKeyEntity) => ({
      id: k.id,
      name: k.name,
      role: k.role,
      keyPrefix: k.keyPrefix,
      createdAt: k.createdAt,
      createdBy: k.createdBy,
      revokedAt: k.revokedAt,
    });
    await new AuditWriter(this.writes, this.config).appendWithin(manager, [
      {
        at: new Date().toISOString(),
        requestId: randomUUID(),
        actor: hostActor(),
        transport: 'config',
        action: 'apikey.create',
        phase: 'outcome',
        operationId: randomUUID(),
        targetKind: 'apiKey',
        targetName: entity.name,
        targetId: entity.id,
        input: JSON.stringify({ input: { name: entity.name, role: 'admin', from: 'ADMIN_API_KEY' } }),
        outcome: 'succeeded',
        errorCode: null,
        durationMs: null,
        before: JSON.stringify(key(old)),
        after: JSON.stringify(key(entity)),
        detail:
          `The admin key ${BOOTSTRAP_KEY_NAME} was replaced at start by the value of ADMIN_API_KEY: key ${old.id} ` +
          `(prefix ${old.keyPrefix}) no longer works, key ${entity.id} (prefix ${entity.keyPrefix}) replaces it. ` +
          `Entries before this one with the actor ${BOOTSTRAP_KEY_NAME} were made with key ${old.id}.`,
        actorKeyId: null,
        targetLabels: null,
      },
    ]);
  }

  // A restart: the key printed at the first start is not shown again. Say that one exists, and the
  // way to a new one that needs only host access (keys are stored hashed: none can be shown again).
  private async sayWhereAdminKeysAre(): Promise<void> {
    const admins = (await this.keys.find({ where: { revokedAt: IsNull(), role: 'admin' } })).filter(
      (key) => !expired(key.expiresAt),
    ).length;
    this.logger.log(
      admins > 0
        ? `an admin key exists (${admins} active); if it was lost, make a new one on this host: ${ADMIN_KEY_HINT}`
        : `no admin key is active (only keys of other roles are); make one on this host: ${ADMIN_KEY_HINT}`,
    );
  }

  async create(input: CreateApiKeyInput, actor: Actor): Promise<CreatedApiKeyModel> {
    assertMayMint(actor, input.role as Role, input.scope ?? {});
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw DomainError.validation([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
    }
    const key = generateApiKey();
    const entity = newApiKeyEntity(
      input.name,
      input.role as Role,
      key,
      expiresAt,
      input.scope ?? {},
      actor.name,
    );
    await Operations.current()?.beforeChange('apikey.create');
    await this.writes.transaction(async (manager) => {
      const repo = manager.getRepository(ApiKeyEntity);
      if (await repo.exists({ where: { name: input.name } })) {
        throw new DomainError(
          'API_KEY_NAME_TAKEN',
          `An API key named "${input.name}" exists; choose another name.`,
          {
            context: { name: input.name },
          },
        );
      }
      await repo.insert(entity);
    });
    return { ...present(entity), key };
  }

  // The keys within the caller's scope: all of them for an unscoped admin key.
  async list(actor: Actor): Promise<ApiKeyModel[]> {
    return (await this.keys.find({ order: { createdAt: 'ASC', name: 'ASC' } }))
      .map(present)
      .filter((key) => withinScope(actor, key.scope));
  }

  // Label keys that the scope of some key (not revoked) uses.
  async scopeLabelKeys(): Promise<Set<string>> {
    const rows = await this.keys.find({ select: { scopeJson: true }, where: { revokedAt: IsNull() } });
    return new Set(rows.flatMap((row) => Object.keys(JSON.parse(row.scopeJson) as Record<string, string>)));
  }

  // A key outside the caller's scope is answered like a missing one.
  async revoke(id: string, actor: Actor): Promise<void> {
    await Operations.current()?.beforeChange('apikey.revoke');
    const revoked = await this.writes.transaction(async (manager) => {
      const repo = manager.getRepository(ApiKeyEntity);
      const entity = await repo.findOne({ where: { id } });
      if (!entity || !withinScope(actor, JSON.parse(entity.scopeJson) as Record<string, string>))
        return false;
      if (!entity.revokedAt) await repo.update({ id }, { revokedAt: new Date().toISOString() });
      return true;
    });
    this.generation += 1;
    this.recent.clear();
    if (!revoked)
      throw new DomainError('API_KEY_NOT_FOUND', `No API key has the id "${id}".`, { context: { id } });
    for (const listener of this.revokeListeners) listener(id);
  }

  // Calls `listener` with the id of every key revoked from now on; answers how to stop.
  onRevoke(listener: (keyId: string) => void): () => void {
    this.revokeListeners.add(listener);
    return () => this.revokeListeners.delete(listener);
  }

  // The caller behind a presented key, or UNAUTHENTICATED saying what is wrong with it. Keys
  // found are remembered for a few seconds (every request presents one); a revocation through
  // this service forgets them at once, expiry is checked on every use.
  async authenticate(presented: string): Promise<Actor> {
    const keyHash = hashApiKey(presented);
    const cached = this.recent.get(keyHash);
    if (cached && performance.now() - cached.at < AUTH_CACHE_MS && !expired(cached.expiresAt)) {
      this.touch(cached.actor.keyId);
      return cached.actor;
    }
    const generation = this.generation;
    const entity = await this.keys.findOne({ where: { keyHash } });
    if (!entity) throw new DomainError('UNAUTHENTICATED', 'The API key is not valid.');
    if (entity.revokedAt) {
      throw new DomainError(
        'UNAUTHENTICATED',
        `The API key "${entity.name}" was revoked at ${entity.revokedAt}.`,
      );
    }
    if (expired(entity.expiresAt)) {
      throw new DomainError(
        'UNAUTHENTICATED',
        `The API key "${entity.name}" expired at ${entity.expiresAt}.`,
      );
    }
    this.touch(entity.id);
    const actor: Actor = {
      keyId: entity.id,
      name: entity.name,
      role: entity.role as Role,
      scope: JSON.parse(entity.scopeJson) as Record<string, string>,
    };
    if (generation !== this.generation) return actor;
    if (this.recent.size >= AUTH_CACHE_ENTRIES) this.recent.clear();
    this.recent.set(keyHash, { actor, expiresAt: entity.expiresAt, at: performance.now() });
    return actor;
  }

  // Last use, at most once a minute per key, off the request path.
  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.touched.get(id) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.touched.set(id, now);
    this.writes
      .transaction((manager) =>
        manager.getRepository(ApiKeyEntity).update({ id }, { lastUsedAt: new Date(now).toISOString() }),
      )
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'could not record the last use of an API key'),
      );
  }
}

// A key's row: its hash and a display prefix, never the key itself.
export function newApiKeyEntity(
  name: string,
  role: Role,
  key: string,
  expiresAt: Date | null,
  scope: Record<string, string>,
  createdBy: string | null,
): ApiKeyEntity {
  return Object.assign(new ApiKeyEntity(), {
    id: randomUUID(),
    name,
    role,
    keyHash: hashApiKey(key),
    keyPrefix: displayPrefix(key),
    scopeJson: JSON.stringify(scope),
    createdAt: new Date().toISOString(),
    expiresAt: expiresAt ? expiresAt.toISOString() : null,
    lastUsedAt: null,
    revokedAt: null,
    createdBy,
  });
}

const describeScope = (scope: Record<string, string>) =>
  Object.entries(scope)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

// A key's scope is within the caller's when it carries every label of the caller's scope, with
// the same value: it reaches no more than the caller does.
function withinScope(actor: Actor, scope: Record<string, string>): boolean {
  return Object.entries(actor.scope).every(([key, value]) => scope[key] === value);
}

// A key makes keys of at most its own role and at least its own scope.
function assertMayMint(actor: Actor, role: Role, scope: Record<string, string>): void {
  if (!roleAtLeast(actor.role, role)) {
    throw new DomainError(
      'FORBIDDEN',
      `The key "${actor.name}" is ${aRole(actor.role)} key: it can create keys of at most its own role, not ${role}.`,
      { context: { role, allowed: actor.role } },
    );
  }
  if (!withinScope(actor, scope)) {
    const missing = Object.entries(actor.scope)
      .filter(([key, value]) => scope[key] !== value)
      .map(([key, value]) => `${key}=${value}`);
    throw new DomainError(
      'FORBIDDEN',
      `The key "${actor.name}" has the scope ${describeScope(actor.scope)}: the keys it creates need that scope too ` +
        `(add ${missing.join(', ')} to scope; more labels narrow it further).`,
      { context: { scope, required: actor.scope } },
    );
  }
}

function present(entity: ApiKeyEntity): ApiKeyModel {
  const date = (value: string | null) => (value ? new Date(value) : null);
  return {
    id: entity.id,
    name: entity.name,
    role: entity.role,
    scope: JSON.parse(entity.scopeJson) as Record<string, string>,
    keyPrefix: entity.keyPrefix,
    createdAt: new Date(entity.createdAt),
    expiresAt: date(entity.expiresAt),
    lastUsedAt: date(entity.lastUsedAt),
    revokedAt: date(entity.revokedAt),
    createdBy: entity.createdBy,
  };
}
