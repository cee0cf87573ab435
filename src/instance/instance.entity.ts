import { Column, Entity, PrimaryColumn } from 'typeorm';

// This service instance's identity: one row, written once by the migration that creates the table.
@Entity('instance')
export class InstanceEntity {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  // Stamped on every network and container this instance creates (label io.switchyard.instance).
  @Column({ type: 'text', name: 'instance_id' })
  instanceId!: string;

  // Signs page cursors (hex, 32 bytes): a next cursor survives a restart of this instance.
  @Column({ type: 'text', name: 'cursor_key' })
  cursorKey!: string;

  @Column({ type: 'text', name: 'created_at' })
  createdAt!: string;
}
