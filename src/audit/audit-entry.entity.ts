import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

// One line of the append-only audit log. Rows are only ever inserted (and, past the retention,
// deleted from the oldest end); each carries the hash of the one before it.
@Entity('audit_log')
@Index('IDX_audit_log_actor', ['actor', 'id'])
@Index('IDX_audit_log_action', ['action', 'id'])
@Index('IDX_audit_log_target_name', ['targetName', 'id'])
@Index('IDX_audit_log_target_id', ['targetId', 'id'])
@Index('IDX_audit_log_outcome', ['outcome', 'id'])
@Index('IDX_audit_log_at', ['at'])
@Index('IDX_audit_log_operation', ['operationId'])
@Index('IDX_audit_log_actor_key', ['actorKeyId', 'id'])
export class AuditEntryEntity {
  // Gapless and in commit order: the chain follows it.
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'text' })
  at!: string;

  @Column({ type: 'text', name: 'request_id' })
  requestId!: string;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'text' })
  transport!: string;

  @Column({ type: 'text' })
  action!: string;

  // intent: recorded before the engine is touched; outcome: how it ended.
  @Column({ type: 'text' })
  phase!: string;

  // Joins an intent to its outcome; also a label on what the operation created.
  @Column({ type: 'text', name: 'operation_id' })
  operationId!: string;

  @Column({ type: 'text', name: 'target_kind', nullable: true })
  targetKind!: string | null;

  @Column({ type: 'text', name: 'target_name', nullable: true })
  targetName!: string | null;

  @Column({ type: 'text', name: 'target_id', nullable: true })
  targetId!: string | null;

  // JSON, secrets redacted.
  @Column({ type: 'text', nullable: true })
  input!: string | null;

  // Null for intents; succeeded | failed | denied | interrupted for outcomes.
  @Column({ type: 'text', nullable: true })
  outcome!: string | null;

  @Column({ type: 'text', name: 'error_code', nullable: true })
  errorCode!: string | null;

  @Column({ type: 'integer', name: 'duration_ms', nullable: true })
  durationMs!: number | null;

  // JSON snapshots of the target as the engine reported it.
  @Column({ type: 'text', nullable: true })
  before!: string | null;

  @Column({ type: 'text', nullable: true })
  after!: string | null;

  @Column({ type: 'text', nullable: true })
  detail!: string | null;

  // Who may read the entry (not covered by the hash): the API key that acted (null without one),
  // and the target's labels (JSON) when the entry was written.
  @Column({ type: 'text', name: 'actor_key_id', nullable: true })
  actorKeyId!: string | null;

  @Column({ type: 'text', name: 'target_labels', nullable: true })
  targetLabels!: string | null;

  @Column({ type: 'text', name: 'prev_hash' })
  prevHash!: string;

  @Column({ type: 'text' })
  hash!: string;
}
