import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
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

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writes: WriteQueue,
  ) {}

  async insert(row: DeploymentEntity): Promise<void> {
    await this.writes.transaction((manager) => manager.insert(DeploymentEntity, row));
  }

  async update(id: string, fields: Partial<DeploymentEntity>): Promise<void> {
    await this.writes.transaction((manager) => manager.update(DeploymentEntity, { id }, fields));
  }

  find(id: string): Promise<DeploymentEntity | null> {
    return this.dataSource.getRepository(DeploymentEntity).findOneBy({ id });
  }

  // Deployments still marked running when the service starts were cut short by its stop.
  async markInterrupted(now: string): Promise<number> {
    const result = await this.writes.transaction((manager) =>
      manager.update(
        DeploymentEntity,
        { status: 'running' },
        {
          status: 'interrupted',
          finishedAt: now,
          errorJson: JSON.stringify({
            code: 'INTERRUPTED',
            message:
              'The service stopped while this deployment ran: some of its actions may have been done. ' +
              'Apply the template again to converge (what was left half done carries the template label and is cleaned up).',
          }),
        },
      ),
    );
    return result.affected ?? 0;
  }

  // The last finished deployment that succeeded (apply or destroy).
  lastSucceeded(template: string): Promise<DeploymentEntity | null> {
    return this.dataSource.getRepository(DeploymentEntity).findOne({
      where: { template, status: 'succeeded' },
      order: { startedAt: 'DESC', id: 'DESC' },
    });
  }

  // One page newest first, after `after` (the startedAt and id of the last row of the previous page).
  page(template: string, limit: number, after: [string, string] | null): Promise<DeploymentEntity[]> {
    const query = this.dataSource
      .getRepository(DeploymentEntity)
      .createQueryBuilder('d')
      .where('d.template = :template', { template });
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
