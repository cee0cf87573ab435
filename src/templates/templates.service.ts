import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import type { Actor } from '../auth/roles';
import { DomainError } from '../common/errors/domain-error';
import { Operations } from '../common/operation-context';
import { PageCursors } from '../common/paging/page-cursor';
import { INSTANCE_LABEL, TEMPLATE_LABEL } from '../common/labels';
import { WriteQueue } from '../database/write-queue';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import { InstanceIdentity } from '../instance/instance-identity';
import { TemplateRuntime, type DeploymentPage } from './apply/template-runtime';
import { composeToTemplate, templateToCompose, type UnmappedField } from './compose/compose';
import { diffDocuments } from './planning/document-diff';
import { parsedBody } from './template-body';
import { redactDocument, redactDocumentChanges, redactSpecChanges, seesEnvironment } from './template-redact';
import { TemplateEntity, TemplateRevisionEntity } from './template.entity';
import type {
  Change,
  Deployment,
  Plan,
  TemplateDocument,
  TemplateRecord,
  TemplateStatus,
} from './template.types';
import { TemplateValidator } from './validation/template-validator';

// The transport a call came in on: messages name the routes or operations of that transport.
export type Transport = 'rest' | 'graphql';

export const TEMPLATE_PAGE_MAX = 100;
export const TEMPLATE_PAGE_DEFAULT = 50;

export interface Page {
  limit?: number | null;
  cursor?: string | null;
}

export interface TemplatePage {
  items: TemplateRecord[];
  nextCursor: string | null;
}

export interface RevisionSummary {
  revision: number;
  createdAt: string;
  actor: string;
}

export interface RevisionPage {
  items: RevisionSummary[];
  nextCursor: string | null;
}

export interface TemplateDiff {
  template: string;
  from: number;
  to: number;
  changes: Change[];
}

export interface ComposeImport {
  template: TemplateRecord;
  unmapped: UnmappedField[];
}

const TEMPLATES_LIST = 'templates';
const REVISIONS_LIST = 'template-revisions';

const isName = (value: unknown): value is string => typeof value === 'string';
const isRevision = (value: unknown): value is number => Number.isInteger(value);

const labelsOf = (row: TemplateEntity) => JSON.parse(row.labelsJson) as Record<string, string>;

// A key with a label scope reaches only the templates whose labels carry all of it.
function inScope(actor: Actor, labels: Record<string, string>): boolean {
  return Object.entries(actor.scope).every(([key, value]) => labels[key] === value);
}

// The largest revision number (SQLite integer columns hold more, but GraphQL's Int does not).
export const REVISION_MAX = 2 ** 31 - 1;

// Where a suggested next step points: a REST route or a GraphQL operation.
const WORDS = {
  rest: {
    list: 'GET /api/v1/templates lists the templates this key can see',
    replace: (name: string) => `replace it with PUT /api/v1/templates/${name}`,
    destroy: (name: string) => `POST /api/v1/templates/${name}/destroy`,
  },
  graphql: {
    list: 'the `templates` query lists the templates this key can see',
    replace: (name: string) => `replace it with the replaceTemplate mutation (name: "${name}")`,
    destroy: (name: string) => `the destroyTemplate mutation (name: "${name}")`,
  },
} satisfies Record<Transport, unknown>;

function notFound(name: string, transport: Transport): DomainError {
  return new DomainError('TEMPLATE_NOT_FOUND', `No template is named "${name}"; ${WORDS[transport].list}.`, {
    context: { name },
  });
}

// A revision argument (query, body or GraphQL argument): the same rule on both transports, and a
// number past what a revision can be is refused rather than rounded.
function checkRevision(value: number | null | undefined, field = 'revision'): void {
  if (value === undefined || value === null) return;
  if (!Number.isSafeInteger(value) || value < 1 || value > REVISION_MAX)
    throw DomainError.validation([
      { field, message: `${field} must be a revision number (an integer from 1 to ${REVISION_MAX})` },
    ]);
}

function checkLimit(limit: number | null | undefined): number | undefined {
  if (limit === undefined || limit === null) return undefined;
  if (!Number.isInteger(limit) || limit < 1 || limit > TEMPLATE_PAGE_MAX)
    throw DomainError.validation([
      { field: 'limit', message: `limit must be an integer from 1 to ${TEMPLATE_PAGE_MAX}` },
    ]);
  return limit;
}

// Templates and their revisions in SQLite: create, read, replace, delete, list, diff, compose in
// and out. Plan, apply, status and destroy go to the TemplateRuntime with the stored revision.
// Every document is validated (TemplateValidator) before it is stored; a key with a label scope
// sees only the templates inside it, and any other is answered like a missing one.
@Injectable()
export class TemplatesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly writes: WriteQueue,
    private readonly validator: TemplateValidator,
    private readonly runtime: TemplateRuntime,
    private readonly cursors: PageCursors,
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
    private readonly instance: InstanceIdentity,
  ) {}

  async create(body: unknown, actor: Actor, transport: Transport = 'rest'): Promise<TemplateRecord> {
    const document = await this.validator.validate(parsedBody(body), actor);
    return this.store(document, actor, transport);
  }

  async get(
    name: string,
    revision: number | null | undefined,
    actor: Actor,
    transport: Transport = 'rest',
  ): Promise<TemplateRecord> {
    return this.shown(await this.read(name, revision, actor, transport), actor);
  }

  async replace(
    name: string,
    body: unknown,
    actor: Actor,
    transport: Transport = 'rest',
  ): Promise<TemplateRecord> {
    await this.liveRow(name, actor, transport);
    const raw = parsedBody(body);
    // The name comes from the path when the body leaves it out.
    const named =
      raw && typeof raw === 'object' && !Array.isArray(raw) && !('name' in raw) ? { name, ...raw } : raw;
    const document = await this.validator.validate(named, actor, { name });
    await Operations.current()?.beforeChange('template.replace');
    const stored = await this.writes.transaction(async (manager) => {
      const row = await manager.getRepository(TemplateEntity).findOneBy({ name, deletedAt: IsNull() });
      // Deleted meanwhile (the read above was outside this transaction).
      if (!row || !inScope(actor, labelsOf(row))) throw notFound(name, transport);
      return this.writeRevision(
        manager,
        row,
        row.revision + 1,
        row.firstRevision,
        row.createdAt,
        document,
        actor,
      );
    });
    return this.shown(await this.record(stored, stored.revision), actor);
  }

  // Its revisions stop being readable; what it deployed stays on the engine until destroyed.
  async delete(name: string, actor: Actor, transport: Transport = 'rest'): Promise<void> {
    await this.liveRow(name, actor, transport);
    await Operations.current()?.beforeChange('template.delete');
    await this.writes.transaction(async (manager) => {
      const repo = manager.getRepository(TemplateEntity);
      const row = await repo.findOneBy({ name, deletedAt: IsNull() });
      if (!row || !inScope(actor, labelsOf(row))) throw notFound(name, transport);
      await repo.update({ name }, { deletedAt: new Date().toISOString() });
    });
  }

  // By name, a page at a time.
  async list(page: Page, actor: Actor): Promise<TemplatePage> {
    let limit = checkLimit(page.limit);
    let after: string | null = null;
    if (page.cursor !== undefined && page.cursor !== null) {
      const cursor = this.cursors.decode(TEMPLATES_LIST, page.cursor, {}, isName);
      limit ??= cursor.limit;
      after = cursor.position;
    }
    const size = limit ?? TEMPLATE_PAGE_DEFAULT;
    const query = this.dataSource
      .getRepository(TemplateEntity)
      .createQueryBuilder('t')
      .where('t.deleted_at IS NULL')
      .orderBy('t.name', 'ASC')
      .limit(size + 1);
    if (after !== null) query.andWhere('t.name > :after', { after });
    this.scopeClause(actor, query);
    const rows = await query.getMany();
    const slice = rows.slice(0, size);
    const items = await Promise.all(
      slice.map(async (row) => this.shown(await this.record(row, row.revision), actor)),
    );
    const last = slice[slice.length - 1];
    return {
      items,
      nextCursor:
        rows.length > size && last ? this.cursors.encode(TEMPLATES_LIST, {}, limit, last.name) : null,
    };
  }

  // Newest first.
  async revisions(
    name: string,
    page: Page,
    actor: Actor,
    transport: Transport = 'rest',
  ): Promise<RevisionPage> {
    // Input first: a bad limit is the caller's to fix whatever the template.
    let limit = checkLimit(page.limit);
    const row = await this.liveRow(name, actor, transport);
    let before = row.revision + 1;
    if (page.cursor !== undefined && page.cursor !== null) {
      const cursor = this.cursors.decode(
        REVISIONS_LIST,
        page.cursor,
        { template: name },
        isRevision,
        'cursor',
        {
          keys: ['template'],
          other: 'the cursor of another template',
        },
      );
      limit ??= cursor.limit;
      before = cursor.position;
    }
    const size = limit ?? TEMPLATE_PAGE_DEFAULT;
    const rows = await this.dataSource
      .getRepository(TemplateRevisionEntity)
      .createQueryBuilder('r')
      .select(['r.revision', 'r.createdAt', 'r.actor'])
      .where('r.template = :name', { name })
      .andWhere('r.revision >= :first AND r.revision < :before', { first: row.firstRevision, before })
      .orderBy('r.revision', 'DESC')
      .limit(size + 1)
      .getMany();
    const slice = rows.slice(0, size);
    const last = slice[slice.length - 1];
    return {
      items: slice.map((r) => ({ revision: r.revision, createdAt: r.createdAt, actor: r.actor })),
      nextCursor:
        rows.length > size && last
          ? this.cursors.encode(REVISIONS_LIST, { template: name }, limit, last.revision)
          : null,
    };
  }

  async diff(
    name: string,
    from: number,
    to: number,
    actor: Actor,
    transport: Transport = 'rest',
  ): Promise<TemplateDiff> {
    checkRevision(from, 'from');
    checkRevision(to, 'to');
    const row = await this.liveRow(name, actor, transport);
    const [a, b] = await Promise.all([
      this.document(name, this.revisionOf(row, from, 'from')),
      this.document(name, this.revisionOf(row, to, 'to')),
    ]);
    const changes = diffDocuments(a, b);
    return {
      template: name,
      from,
      to,
      changes: seesEnvironment(actor) ? changes : redactDocumentChanges(changes),
    };
  }

  // A compose file (YAML text, or already parsed) stored as a new template, with what could not be
  // mapped listed.
  async importCompose(
    name: string,
    body: unknown,
    actor: Actor,
    transport: Transport = 'rest',
  ): Promise<ComposeImport> {
    const compose = parsedBody(body, { stringIsYaml: true });
    const { document, unmapped } = composeToTemplate(compose, name);
    const validated = await this.validator.validate(document, actor, { name });
    return { template: await this.store(validated, actor, transport), unmapped };
  }

  // A viewer's export has the environment values redacted like its reads.
  async exportCompose(
    name: string,
    revision: number | null | undefined,
    actor: Actor,
    transport: Transport = 'rest',
  ): Promise<string> {
    const record = await this.get(name, revision, actor, transport);
    return templateToCompose(record.document);
  }

  async plan(
    name: string,
    revision: number | null | undefined,
    actor: Actor,
    transport: Transport = 'rest',
  ): Promise<Plan> {
    const plan = await this.runtime.plan(await this.read(name, revision, actor, transport), actor);
    const redact = !seesEnvironment(actor);
    // The live engine ids are the applier's, not part of the answer.
    return {
      ...plan,
      actions: plan.actions.map(({ action, kind, name: resource, reason, changes }) => ({
        action,
        kind,
        name: resource,
        reason,
        changes: redact ? redactSpecChanges(kind, changes) : changes,
      })),
    };
  }

  async apply(
    name: string,
    options: { revision?: number | null; wait?: boolean | null },
    actor: Actor,
    transport: Transport = 'rest',
  ): Promise<Deployment> {
    const record = await this.read(name, options.revision, actor, transport);
    // The deployment row is the first change: the intent is recorded before it.
    await Operations.current()?.beforeChange('template.apply');
    return this.runtime.apply(record, actor, { wait: options.wait ?? true });
  }

  // Also for a deleted template: what it deployed may still be on the engine.
  async status(name: string, actor: Actor, transport: Transport = 'rest'): Promise<TemplateStatus> {
    const row = await this.anyRow(name, actor, transport);
    const record = row.deletedAt ? null : await this.record(row, row.revision);
    return this.runtime.status(name, record, actor);
  }

  async destroy(
    name: string,
    options: { wait?: boolean | null },
    actor: Actor,
    transport: Transport = 'rest',
  ): Promise<Deployment> {
    await this.anyRow(name, actor, transport);
    await Operations.current()?.beforeChange('template.destroy');
    return this.runtime.destroy(name, actor, { wait: options.wait ?? true });
  }

  async deployments(
    name: string,
    page: Page,
    actor: Actor,
    transport: Transport = 'rest',
  ): Promise<DeploymentPage> {
    const limit = checkLimit(page.limit);
    await this.anyRow(name, actor, transport);
    return this.runtime.deployments(name, actor, {
      limit: limit ?? TEMPLATE_PAGE_DEFAULT,
      ...(page.cursor !== undefined && page.cursor !== null ? { cursor: page.cursor } : {}),
    });
  }

  // A deployment of a template out of the key's reach is answered like a missing one.
  async deployment(id: string, actor: Actor): Promise<Deployment> {
    const deployment = await this.runtime.deployment(id, actor);
    const row = await this.dataSource.getRepository(TemplateEntity).findOneBy({ name: deployment.template });
    if (row && !inScope(actor, labelsOf(row)))
      throw new DomainError('DEPLOYMENT_NOT_FOUND', `No deployment has the id "${id}".`, { context: { id } });
    return deployment;
  }

  // ---------------------------------------------------------------------------------------------

  // The stored template as it is (plan and apply need the real environment).
  private async read(
    name: string,
    revision: number | null | undefined,
    actor: Actor,
    transport: Transport,
  ): Promise<TemplateRecord> {
    checkRevision(revision);
    const row = await this.liveRow(name, actor, transport);
    return this.record(row, this.revisionOf(row, revision));
  }

  // A template as this key may read it: a viewer gets the environment values redacted.
  private shown(record: TemplateRecord, actor: Actor): TemplateRecord {
    if (seesEnvironment(actor)) return record;
    return { ...record, document: redactDocument(record.document) };
  }

  // A new template, or the next life of a deleted one's name (its revision numbers continue: the
  // engine resources of the old life carry theirs).
  private async store(
    document: TemplateDocument,
    actor: Actor,
    transport: Transport,
  ): Promise<TemplateRecord> {
    const before = await this.dataSource.getRepository(TemplateEntity).findOneBy({ name: document.name });
    if (before?.deletedAt) await this.assertLeftoversReachable(document.name, actor, transport);
    await Operations.current()?.beforeChange('template.create');
    const stored = await this.writes.transaction(async (manager) => {
      const row = await manager.getRepository(TemplateEntity).findOneBy({ name: document.name });
      if (row && !row.deletedAt) {
        throw new DomainError(
          'TEMPLATE_NAME_TAKEN',
          `A template named "${document.name}" exists; ${WORDS[transport].replace(document.name)}, or choose another name.`,
          { context: { name: document.name } },
        );
      }
      const revision = row ? row.revision + 1 : 1;
      return this.writeRevision(manager, row, revision, revision, null, document, actor);
    });
    return this.shown(await this.record(stored, stored.revision), actor);
  }

  // A deleted template's name is taken again only by a key that reaches what its earlier life left
  // on the engine: the new template would own those resources (plan, status, destroy). The refusal
  // names nothing: the resources may be outside the key's scope.
  private async assertLeftoversReachable(name: string, actor: Actor, transport: Transport): Promise<void> {
    if (Object.keys(actor.scope).length === 0) return;
    const label = [`${TEMPLATE_LABEL}=${name}`, `${INSTANCE_LABEL}=${this.instance.id}`];
    const [networks, containers] = await Promise.all([
      this.engine.listNetworks({ label }),
      this.engine.listContainers({ all: true, label }),
    ]);
    const outside = [...networks, ...containers].some((r) => !inScope(actor, r.labels));
    if (!outside) return;
    throw new DomainError(
      'TEMPLATE_NAME_TAKEN',
      `A deleted template named "${name}" still has resources deployed that this key cannot reach: ` +
        `they must be destroyed first (${WORDS[transport].destroy(name)}, by a key that reaches them), or choose another name.`,
      { context: { name } },
    );
  }

  // The template row and its new revision row, together (inside the caller's transaction).
  private async writeRevision(
    manager: EntityManager,
    row: TemplateEntity | null,
    revision: number,
    firstRevision: number,
    createdAt: string | null,
    document: TemplateDocument,
    actor: Actor,
  ): Promise<TemplateEntity> {
    const now = new Date().toISOString();
    const entity = Object.assign(row ?? new TemplateEntity(), {
      name: document.name,
      revision,
      firstRevision,
      description: document.description ?? null,
      labelsJson: JSON.stringify(document.labels ?? {}),
      createdAt: createdAt ?? now,
      updatedAt: now,
      deletedAt: null,
    });
    await manager.getRepository(TemplateEntity).save(entity);
    await manager.getRepository(TemplateRevisionEntity).insert({
      template: document.name,
      revision,
      documentJson: JSON.stringify(document),
      createdAt: now,
      actor: actor.name,
    });
    return entity;
  }

  // The live template of that name within the key's scope.
  private async liveRow(name: string, actor: Actor, transport: Transport): Promise<TemplateEntity> {
    const row = await this.dataSource.getRepository(TemplateEntity).findOneBy({ name, deletedAt: IsNull() });
    if (!row || !inScope(actor, labelsOf(row))) throw notFound(name, transport);
    return row;
  }

  // The template of that name, deleted or not, within the key's scope (status, destroy,
  // deployments: what it deployed outlives it).
  private async anyRow(name: string, actor: Actor, transport: Transport): Promise<TemplateEntity> {
    const row = await this.dataSource.getRepository(TemplateEntity).findOneBy({ name });
    if (!row || !inScope(actor, labelsOf(row))) throw notFound(name, transport);
    return row;
  }

  // A revision of this life of the template (default: the current one).
  private revisionOf(row: TemplateEntity, revision: number | null | undefined, field = 'revision'): number {
    if (revision === undefined || revision === null) return row.revision;
    if (!Number.isInteger(revision) || revision < row.firstRevision || revision > row.revision) {
      // `from` and `to` of a diff say which one; a lone revision needs no label.
      const which = field === 'revision' ? '' : ` (${field})`;
      const known =
        row.firstRevision === row.revision
          ? `its only revision is ${row.revision}`
          : `its revisions are ${row.firstRevision} to ${row.revision}`;
      throw new DomainError(
        'REVISION_NOT_FOUND',
        `Template "${row.name}" has no revision ${String(revision)}${which}: ${known}.`,
        { context: { name: row.name, revision, first: row.firstRevision, current: row.revision } },
      );
    }
    return revision;
  }

  private async document(name: string, revision: number): Promise<TemplateDocument> {
    const found = await this.dataSource
      .getRepository(TemplateRevisionEntity)
      .findOneBy({ template: name, revision });
    if (!found)
      throw new DomainError('REVISION_NOT_FOUND', `Template "${name}" has no revision ${revision}.`, {
        context: { name, revision },
      });
    return JSON.parse(found.documentJson) as TemplateDocument;
  }

  private async record(row: TemplateEntity, revision: number): Promise<TemplateRecord> {
    const found = await this.dataSource
      .getRepository(TemplateRevisionEntity)
      .findOneBy({ template: row.name, revision });
    if (!found)
      throw new DomainError('REVISION_NOT_FOUND', `Template "${row.name}" has no revision ${revision}.`, {
        context: { name: row.name, revision },
      });
    const document = JSON.parse(found.documentJson) as TemplateDocument;
    return {
      name: row.name,
      revision,
      description: document.description ?? null,
      labels: document.labels ?? {},
      document,
      createdAt: row.createdAt,
      // When this revision was stored.
      updatedAt: found.createdAt,
    };
  }

  // SQL for "the labels carry the key's scope"; a label name that cannot be a JSON path matches
  // nothing (fail closed).
  private scopeClause(actor: Actor, query: { andWhere: (sql: string, params?: object) => unknown }): void {
    Object.entries(actor.scope).forEach(([key, value], i) => {
      if (/["\\]/.test(key)) {
        query.andWhere('0');
        return;
      }
      query.andWhere(`json_extract(t.labels_json, :path${i}) = :value${i}`, {
        [`path${i}`]: `$."${key}"`,
        [`value${i}`]: value,
      });
    });
  }
}
