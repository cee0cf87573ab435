import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Index('IDX_api_keys_name', { unique: true })
  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  role!: string;

  // SHA-256 of the whole key, hex. Keys are 256-bit random, so a fast hash is enough.
  @Index('IDX_api_keys_key_hash', { unique: true })
  @Column({ type: 'text', name: 'key_hash' })
  keyHash!: string;

  // The first characters of the key, to tell keys apart in lists.
  @Column({ type: 'text', name: 'key_prefix' })
  keyPrefix!: string;

  // JSON object of labels.
  @Column({ type: 'text', name: 'scope_json', default: '{}' })
  scopeJson!: string;

  @Column({ type: 'text', name: 'created_at' })
  createdAt!: string;

  @Column({ type: 'text', name: 'expires_at', nullable: true })
  expiresAt!: string | null;

  @Column({ type: 'text', name: 'last_used_at', nullable: true })
  lastUsedAt!: string | null;

  @Column({ type: 'text', name: 'revoked_at', nullable: true })
  revokedAt!: string | null;

  @Column({ type: 'text', name: 'created_by', nullable: true })
  createdBy!: string | null;
}
