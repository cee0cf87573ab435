import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAuditLog1795970000000 implements MigrationInterface {
  name = 'CreateAuditLog1795970000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_anchor" ("id" integer PRIMARY KEY NOT NULL, "next_id" integer NOT NULL, "hash" text NOT NULL, "updated_at" text NOT NULL)`,
    );
    await queryRunner.query(
      `CREATE TABLE "audit_log" ("id" integer PRIMARY KEY NOT NULL, "at" text NOT NULL, "request_id" text NOT NULL, "actor" text NOT NULL, "transport" text NOT NULL, "action" text NOT NULL, "phase" text NOT NULL, "operation_id" text NOT NULL, "target_kind" text, "target_name" text, "target_id" text, "input" text, "outcome" text, "error_code" text, "duration_ms" integer, "before" text, "after" text, "detail" text, "prev_hash" text NOT NULL, "hash" text NOT NULL)`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_audit_log_operation" ON "audit_log" ("operation_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_log_at" ON "audit_log" ("at") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_log_outcome" ON "audit_log" ("outcome", "id") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_log_target_id" ON "audit_log" ("target_id", "id") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_log_target_name" ON "audit_log" ("target_name", "id") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_log_action" ON "audit_log" ("action", "id") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_log_actor" ON "audit_log" ("actor", "id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const index of ['actor', 'action', 'target_name', 'target_id', 'outcome', 'at', 'operation']) {
      await queryRunner.query(`DROP INDEX "IDX_audit_log_${index}"`);
    }
    await queryRunner.query(`DROP TABLE "audit_log"`);
    await queryRunner.query(`DROP TABLE "audit_anchor"`);
  }
}
