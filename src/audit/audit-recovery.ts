import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OPERATION_LABEL } from '../common/operation-context';
import { WriteQueue } from '../database/write-queue';
import { CONTAINER_ENGINE, type ContainerEngine } from '../engine/engine.port';
import { AuditAnchorEntity } from './audit-anchor.entity';
import { AuditSnapshots, isEngineKind, type Snapshot } from './audit-snapshots';
import { AuditWriter, CHECKPOINT_ROW } from './audit-writer';
import { interruptedWording as words } from './audit-wording';
import { json } from './audit.types';

interface OpenIntent {
  operationId: string;
  action: string;
  requestId: string;
  actor: string;
  transport: string;
  targetKind: string | null;
  targetName: string | null;
  targetId: string | null;
  input: string | null;
  at: string;
  actorKeyId: string | null;
  targetLabels: string | null;
}

// At start: intents without an outcome were cut short by a stop of the service. Records the
// outcome "interrupted" and what the engine shows now (what an operation created carries its
// operation id as a label).
@Injectable()
export class AuditRecovery {
  private readonly logger = new Logger(AuditRecovery.name);

  constructor(
    private readonly writer: AuditWriter,
    private readonly snapshots: AuditSnapshots,
    private readonly writes: WriteQueue,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONTAINER_ENGINE) private readonly engine: ContainerEngine,
  ) {}

  async recoverInterrupted(): Promise<number> {
    // Only intents written since the last check can still be open.
    const [checkpoint] = await this.dataSource.query<Array<{ next_id: number }>>(
      'SELECT next_id FROM audit_anchor WHERE id = ?',
      [CHECKPOINT_ROW],
    );
    const [{ last }] = await this.dataSource.query<Array<{ last: number | null }>>(
      'SELECT MAX(id) AS last FROM audit_log',
    );
    const open = await this.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT * FROM audit_log i WHERE i.id >= ? AND i.phase = 'intent'
         AND NOT EXISTS (SELECT 1 FROM audit_log o WHERE o.operation_id = i.operation_id AND o.phase = 'outcome')
       ORDER BY i.id`,
      [checkpoint?.next_id ?? 1],
    );
    for (const raw of open) {
      const intent: OpenIntent = {
        operationId: String(raw.operation_id),
        action: String(raw.action),
        requestId: String(raw.request_id),
        actor: String(raw.actor),
        transport: String(raw.transport),
        targetKind: raw.target_kind as string | null,
        targetName: raw.target_name as string | null,
        targetId: raw.target_id as string | null,
        input: raw.input as string | null,
        at: String(raw.at),
        actorKeyId: (raw.actor_key_id as string | null) ?? null,
        targetLabels: (raw.target_labels as string | null) ?? null,
      };
      const { after, detail } = await this.reconcile(intent);
      await this.writer.append({
        at: new Date().toISOString(),
        requestId: intent.requestId,
        actor: intent.actor,
        transport: intent.transport,
        action: intent.action,
        phase: 'outcome',
        operationId: intent.operationId,
        targetKind: intent.targetKind,
        targetName: after?.name ?? intent.targetName,
        targetId: after?.id ?? intent.targetId,
        input: intent.input,
        outcome: 'interrupted',
        errorCode: null,
        durationMs: Math.max(0, Date.now() - Date.parse(intent.at)),
        before: null,
        after: json(after?.state),
        detail,
        actorKeyId: intent.actorKeyId,
        targetLabels: after ? json(after.labels) : intent.targetLabels,
      });
    }
    if (open.length) this.logger.warn(`marked ${open.length} interrupted operation(s) in the audit log`);
    await this.writes.transaction((manager) =>
      manager.upsert(
        AuditAnchorEntity,
        { id: CHECKPOINT_ROW, nextId: (last ?? 0) + 1, hash: '', updatedAt: new Date().toISOString() },
        ['id'],
      ),
    );
    return open.length;
  }

  private async reconcile(intent: OpenIntent): Promise<{ after: Snapshot | null; detail: string }> {
    const stopped = words.stopped(intent.action);
    try {
      const label = `${OPERATION_LABEL}=${intent.operationId}`;
      const [networks, containers] = await Promise.all([
        this.engine.listNetworks({ label: [label] }),
        this.engine.listContainers({ all: true, label: [label] }),
      ]);
      const made = networks[0] ?? containers[0];
      if (made) {
        const after = await this.snapshots.take(networks[0] ? 'network' : 'container', made.id);
        return {
          after,
          detail: `${stopped} ${words.created(after?.kind ?? 'a resource', after?.name ?? made.id)}`,
        };
      }
      const kind = isEngineKind(intent.targetKind) ? intent.targetKind : null;
      const ref = intent.targetId ?? intent.targetName;
      if (kind && ref) {
        const after = await this.snapshots.take(kind, ref);
        return {
          after,
          detail: after
            ? `${stopped} ${words.exists(kind, after.name)}`
            : `${stopped} ${words.gone(kind, ref)}`,
        };
      }
      return { after: null, detail: `${stopped} ${words.nothing}` };
    } catch (error) {
      return { after: null, detail: `${stopped} ${words.unknown((error as Error).message)}` };
    }
  }
}
