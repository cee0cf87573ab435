import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { WriteQueue } from '../../database/write-queue';
import { DeploymentEntity } from '../template.entity';
import type {
  Deployment,
  DeploymentAction,
  DeploymentKind,
  DeploymentStatus,
  ExpectationResult,
} from '../template.types';

// How often at most a running deployment's progress is written: each action's state is readable
// while it runs, without a write per engine call.
const PROGRESS_INTERVAL_MS = 50;

// The current life of a template's name: its first revision, and when it was created. Earlier
// lives' deployments belong to a deleted template, not to whoever took the name next.
export interface Life {
  firstRevision: number;
  createdAt: string;
}

// A deployment of this life: one of its revisions, or a destroy started within it.
export function ofLife(row: Pick<DeploymentEntity, 'revision' | 'kind' | 'startedAt'>, life: Life): boolean {
  if (row.revision !== null && row.revision >= life.firstRevision) return true;
  return row.kind === 'destroy' && row.startedAt >= life.createdAt;
}

function whereLife(query: SelectQueryBuilder<DeploymentEntity>, life: Life): void {
  query.andWhere("(d.revision >= :first OR (d.kind = 'destroy' AND d.started_at >= :born))", {
    first: life.firstRevision,
    born: life.createdAt,
  });
}

// What the service stopping did to a deployment's actions: the one running failed, the ones not
// begun were skipped.
export function interruptActions(actions: DeploymentAction[]): DeploymentAction[] {
  return actions.map((a) => {
    if (a.status === 'running')
      return { ...a, status: 'failed', error: 'the service stopped during this action' };
    if (a.status === 'pending') return { ...a, status: 'skipped' };
    return a;
  });
}

const INTERRUPTED_ERROR = JSON.stringify({
  code: 'INTERRUPTED',
  message:
    'The service stopped while this deployment ran: some of its actions may have been done. ' +
    'Apply the template again to converge (what was left half done carries the template label and is cleaned up).',
});

function interruptedFields(now: string, actions: DeploymentAction[]): Partial<DeploymentEntity> {
  return {
    status: 'interrupted',
    finishedAt: now,
    errorJson: INTERRUPTED_ERROR,
    actionsJson: JSON.stringify(actions),
  };
}

export function presentDeployment(row: DeploymentEntity): Deployment {
  return {
    id: row.id,
    template: row.template,
    revision: row.revision,
    kind: row.kind as DeploymentKind,
    status: row.status as DeploymentStatus,
    actions: JSON.parse(row.actionsJson) as DeploymentAction[],
    expectations: JSON.parse(row.expectationsJson) as ExpectationResult[],
    actor: row.actor,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    error: row.errorJson ? (JSON.parse(row.errorJson) as Deployment['error']) : null,
  };
}

// Deployments in the database, written through the write queue (never across an engine call).
@Injectable()
export class DeploymentStore {
  private readonly logger = new Logger(DeploymentStore.name);
  // Deployments the stop marked interrupted: no later write for them.
  private readonly sealed = new Set<string>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writes: WriteQueue,
  ) {}

  async insert(row: DeploymentEntity): Promise<void> {
    await this.writes.transaction((manager) => manager.insert(DeploymentEntity, row));
  }

  async update(id: string, fields: Partial<DeploymentEntity>): Promise<void> {
    // Marked interrupted by the service's stop: the record stays as the stop left it.
    if (this.sealed.has(id)) return;
    await this.writes.transaction((manager) => manager.update(DeploymentEntity, { id }, fields));
  }

  find(id: string): Promise<DeploymentEntity | null> {
    return this.dataSource.getRepository(DeploymentEntity).findOneBy({ id });
  }

  // Deployments still marked running when the service starts were cut short by its stop: their
  // running actions failed, their pending ones were skipped.
  async markInterrupted(now: string): Promise<number> {
    return this.writes.transaction(async (manager) => {
      const rows = await manager.find(DeploymentEntity, { where: { status: 'running' } });
      for (const row of rows) {
        const actions = interruptActions(JSON.parse(row.actionsJson) as DeploymentAction[]);
        await manager.update(DeploymentEntity, { id: row.id }, interruptedFields(now, actions));
      }
      return rows.length;
    });
  }

  // The deployments of this process still running when it stops (their actions as they stand):
  // marked interrupted at once, and whatever they would write afterwards is dropped, so the record
  // says what the stop did (an engine call in flight may still finish: the message says some
  // actions may have been done). Answers how many were still running in the database.
  async interrupt(now: string, running: ReadonlyMap<string, readonly DeploymentAction[]>): Promise<number> {
    for (const id of running.keys()) this.sealed.add(id);
    if (running.size === 0) return 0;
    return this.writes.transaction(async (manager) => {
      let marked = 0;
      for (const [id, actions] of running) {
        const result = await manager.update(
          DeploymentEntity,
          { id, status: 'running' },
          interruptedFields(now, interruptActions([...actions])),
        );
        marked += result.affected ?? 0;
      }
      return marked;
    });
  }

  // The revision of the last apply of this life whose actions all completed (succeeded, or failed
  // only on its expectations) and that no later destroy undid; null when there is none.
  async lastApplied(template: string, life: Life): Promise<number | null> {
    const query = this.dataSource
      .getRepository(DeploymentEntity)
      .createQueryBuilder('d')
      .select(['d.id', 'd.kind', 'd.status', 'd.revision', 'd.errorJson', 'd.startedAt'])
      .where('d.template = :template', { template });
    whereLife(query, life);
    const rows = await query.orderBy('d.started_at', 'DESC').addOrderBy('d.id', 'DESC').getMany();
    for (const row of rows) {
      // A destroy (even one that failed part way) took down what the apply before it made.
      if (row.kind === 'destroy') return null;
      if (row.status === 'succeeded') return row.revision;
      if (row.status === 'failed' && expectationsOnly(row.errorJson)) return row.revision;
    }
    return null;
  }

  // One page newest first, after `after` (the startedAt and id of the last row of the previous page).
  page(
    template: string,
    life: Life,
    limit: number,
    after: [string, string] | null,
  ): Promise<DeploymentEntity[]> {
    const query = this.dataSource
      .getRepository(DeploymentEntity)
      .createQueryBuilder('d')
      .where('d.template = :template', { template });
    whereLife(query, life);
    if (after) {
      query.andWhere('(d.started_at < :at OR (d.started_at = :at AND d.id < :id))', {
        at: after[0],
        id: after[1],
      });
    }
    return query.orderBy('d.started_at', 'DESC').addOrderBy('d.id', 'DESC').limit(limit).getMany();
  }

  // Coalesces a running deployment's progress writes: at most one per PROGRESS_INTERVAL_MS, and
  // none after the final one.
  progress(id: string): ProgressWriter {
    return new ProgressWriter((actions) =>
      this.update(id, { actionsJson: JSON.stringify(actions) }).catch((error: unknown) => {
        this.logger.warn({ err: error, deployment: id }, 'could not write the progress of a deployment');
      }),
    );
  }
}

function expectationsOnly(errorJson: string | null): boolean {
  if (!errorJson) return false;
  return (JSON.parse(errorJson) as { code?: string }).code === 'EXPECTATIONS_FAILED';
}

export class ProgressWriter {
  private latest: readonly DeploymentAction[] | null = null;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly write: (actions: readonly DeploymentAction[]) => Promise<void>) {}

  touch(actions: readonly DeploymentAction[]): void {
    if (this.closed) return;
    this.latest = actions;
    this.timer ??= setTimeout(() => this.flush(), PROGRESS_INTERVAL_MS);
  }

  private flush(): void {
    this.timer = null;
    const actions = this.latest;
    if (!actions || this.closed) return;
    const copy = actions.map((a) => ({ ...a }));
    this.writing = this.writing.then(() => this.write(copy));
  }

  // Stops writing progress; resolves once a write in flight ended (the final write comes next).
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.writing;
  }
}
