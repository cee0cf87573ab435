import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { WriteQueue } from '../database/write-queue';
import { AuditAnchorEntity } from './audit-anchor.entity';
import { ANCHOR_ROW } from './audit-writer';

const RETENTION_SWEEP_MS = 60 * 60 * 1000;

// Removes entries older than AUDIT_RETENTION_DAYS from the oldest end, and moves the chain's
// anchor to the last removed entry so that what remains still verifies.
@Injectable()
export class AuditRetention implements OnModuleDestroy {
  private readonly logger = new Logger(AuditRetention.name);
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly writes: WriteQueue,
    private readonly config: AppConfig,
  ) {}

  get enabled(): boolean {
    return this.config.AUDIT_RETENTION_DAYS > 0;
  }

  // Applies the retention now, then every hour.
  async start(): Promise<void> {
    if (!this.enabled) return;
    await this.apply();
    this.sweeper = setInterval(() => void this.apply(), RETENTION_SWEEP_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  // The number of entries removed.
  async apply(now = Date.now()): Promise<number> {
    const cutoff = new Date(now - this.config.AUDIT_RETENTION_DAYS * 86_400_000).toISOString();
    try {
      return await this.writes.transaction(async (manager) => {
        const [edge] = await manager.query<Array<{ id: number | null }>>(
          'SELECT MAX(id) AS id FROM audit_log WHERE at < ?',
          [cutoff],
        );
        if (!edge?.id) return 0;
        const [last] = await manager.query<Array<{ id: number; hash: string }>>(
          'SELECT id, hash FROM audit_log WHERE id = ?',
          [edge.id],
        );
        const [{ removed }] = await manager.query<Array<{ removed: number }>>(
          'SELECT COUNT(*) AS removed FROM audit_log WHERE id <= ?',
          [last.id],
        );
        await manager.query('DELETE FROM audit_log WHERE id <= ?', [last.id]);
        await manager.upsert(
          AuditAnchorEntity,
          { id: ANCHOR_ROW, nextId: last.id + 1, hash: last.hash, updatedAt: new Date().toISOString() },
          ['id'],
        );
        this.logger.log(
          `audit retention removed ${removed} entries, up to ${last.id} (older than ${cutoff})`,
        );
        return Number(removed);
      });
    } catch (error) {
      this.logger.error({ err: error }, 'audit retention failed');
      return 0;
    }
  }
}
