import type { MigrationInterface, QueryRunner } from 'typeorm';

// Who may read an audit entry: the key that acted, and its target's labels when it was written.
// Entries written before this have neither and are seen by unscoped keys only.
export class AddAuditReaders1796100000000 implements MigrationInterface {
  name = 'AddAuditReaders1796100000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "audit_log" ADD COLUMN "actor_key_id" text`);
    await queryRunner.query(`ALTER TABLE "audit_log" ADD COLUMN "target_labels" text`);
    await queryRunner.query(`CREATE INDEX "IDX_audit_log_actor_key" ON "audit_log" ("actor_key_id", "id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_audit_log_actor_key"`);
    await queryRunner.query(`ALTER TABLE "audit_log" DROP COLUMN "target_labels"`);
    await queryRunner.query(`ALTER TABLE "audit_log" DROP COLUMN "actor_key_id"`);
  }
}
