import { Injectable, Logger, Optional } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { WriteQueue } from '../database/write-queue';
import { Metrics } from '../metrics/metrics';
import { AuditAnchorEntity } from './audit-anchor.entity';
import { AuditEntryEntity } from './audit-entry.entity';
import { entryHasher, GENESIS_HASH, sealFields, type HashedFields } from './audit-hash';

// The hashed fields, and two that only decide who may read the entry (outside the chain, whose
// format stays as it is): the key that acted, and the target's labels when it was written.
export type NewAuditEntry = Omit<HashedFields, 'id' | 'prevHash'> & {
  actorKeyId?: string | null;
  targetLabels?: string | null;
};

// The anchor row (where the chain starts) and the head row (where it ends, sealed so that
// cutting entries off the end shows too).
export const ANCHOR_ROW = 1;
export const HEAD_ROW = 2;
// Intents before this row's next_id are known to have an outcome (recovery starts here).
export const CHECKPOINT_ROW = 3;
const INSERT_CHUNK = 500;

// A lone surrogate (JSON may carry "\ud800") cannot be stored as UTF-8: SQLite gave back other
// characters than were hashed, and the entry read as altered. Each one becomes U+FFFD before the
// entry is hashed, so the hash covers exactly what is stored.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function wellFormed<T extends object>(entry: T): T {
  const out = { ...entry } as Record<string, unknown>;
  for (const [key, value] of Object.entries(out))
    if (typeof value === 'string') out[key] = value.replace(LONE_SURROGATE, '\ufffd');
  return out as T;
}

// Free-text fields keep at most this many characters, whatever a caller sent: an error message may
// quote a field name or value of any length (structured fields are bounded where they are made).
const TEXT_LIMITS = { detail: 4096, targetName: 512 } as const;

export function capped<T extends object>(entry: T): T {
  const out = { ...entry } as Record<string, unknown>;
  for (const [key, limit] of Object.entries(TEXT_LIMITS)) {
    const value = out[key];
    if (typeof value === 'string' && value.length > limit)
      out[key] = `${value.slice(0, limit)}…(truncated, ${value.length - limit} more characters)`;
  }
  return out as T;
}

// Appends entries to the hash chain. Entries that arrive while a commit is running are written
// together in the next transaction (group commit): every caller waits for its own entry to be
// durable, and a burst costs a few fsyncs instead of one each.
@Injectable()
export class AuditWriter {
  private readonly logger = new Logger(AuditWriter.name);
  private readonly hash: (e: HashedFields) => string;
  private pending: Array<{
    entry: NewAuditEntry;
    resolve: (row: AuditEntryEntity) => void;
    reject: (e: unknown) => void;
  }> = [];
  private flushing = false;

  constructor(
    private readonly writes: WriteQueue,
    config: AppConfig,
    // Absent where the writer is made by hand (the host's key:admin command).
    @Optional() private readonly metrics?: Metrics,
  ) {
    this.hash = entryHasher(config.AUDIT_HMAC_KEY);
  }

  append(entry: NewAuditEntry): Promise<AuditEntryEntity> {
    return new Promise((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  // Appends inside a transaction the caller holds (the host's key:admin command writes a key and
  // its entry at once). The caller serialises it with other writers.
  async appendWithin(manager: EntityManager, entries: NewAuditEntry[]): Promise<AuditEntryEntity[]> {
    const rows = await this.insert(manager, entries);
    this.count(rows);
    return rows;
  }

  // The seal of the chain's end: who cuts entries off the end must also forge this.
  headSeal(lastId: number, lastHash: string): string {
    return this.hash(sealFields(lastId, lastHash));
  }

  entryHash(fields: HashedFields): string {
    return this.hash(fields);
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length) {
        const batch = this.pending;
        this.pending = [];
        try {
          const rows = await this.writes.transaction((manager) =>
            this.insert(
              manager,
              batch.map((b) => b.entry),
            ),
          );
          this.count(rows);
          batch.forEach((b, i) => b.resolve(rows[i]));
        } catch (error) {
          this.logger.error({ err: error }, 'could not write audit entries');
          batch.forEach((b) => b.reject(error));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async insert(manager: EntityManager, entries: NewAuditEntry[]): Promise<AuditEntryEntity[]> {
    let tail = await this.tail(manager);
    const rows = entries.map((entry) => {
      const fields: HashedFields = { ...wellFormed(capped(entry)), id: tail.id + 1, prevHash: tail.hash };
      const row = Object.assign(new AuditEntryEntity(), fields, { hash: this.hash(fields) });
      tail = { id: row.id, hash: row.hash };
      return row;
    });
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await manager.insert(AuditEntryEntity, rows.slice(i, i + INSERT_CHUNK));
    }
    await manager.upsert(
      AuditAnchorEntity,
      {
        id: HEAD_ROW,
        nextId: tail.id + 1,
        hash: this.headSeal(tail.id, tail.hash),
        updatedAt: new Date().toISOString(),
      },
      ['id'],
    );
    return rows;
  }

  // Entries written, by outcome (an intent has none yet: it counts as `intent`).
  private count(rows: AuditEntryEntity[]): void {
    if (!this.metrics) return;
    const byOutcome = new Map<string, number>();
    for (const row of rows) {
      const outcome = row.outcome ?? row.phase;
      byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    }
    for (const [outcome, n] of byOutcome) this.metrics.auditEntriesWritten(outcome, n);
  }

  // The last entry, or where the chain starts when there is none yet.
  private async tail(manager: EntityManager): Promise<{ id: number; hash: string }> {
    const last = await manager
      .getRepository(AuditEntryEntity)
      .find({ select: { id: true, hash: true }, order: { id: 'DESC' }, take: 1 });
    if (last.length) return { id: last[0].id, hash: last[0].hash };
    const anchor = await manager.getRepository(AuditAnchorEntity).findOne({ where: { id: ANCHOR_ROW } });
    return anchor ? { id: anchor.nextId - 1, hash: anchor.hash } : { id: 0, hash: GENESIS_HASH };
  }
}
