import { Column, Entity, PrimaryColumn } from 'typeorm';

// Where the chain starts: the genesis hash, or after retention the hash of the last removed
// entry. One row.
@Entity('audit_anchor')
export class AuditAnchorEntity {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  // The id of the first entry that must link to `hash`.
  @Column({ type: 'integer', name: 'next_id' })
  nextId!: number;

  @Column({ type: 'text' })
  hash!: string;

  @Column({ type: 'text', name: 'updated_at' })
  updatedAt!: string;
}
