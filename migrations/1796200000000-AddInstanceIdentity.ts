import { randomBytes, randomUUID } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';

// Each database is one Switchyard instance, with an id generated here, once. The service labels
// what it creates with it (io.switchyard.instance), so that its prune never touches what another
// instance on the same engine created. The cursor key signs page cursors, so that a cursor stays
// valid across restarts of the same instance (and only there).
export class AddInstanceIdentity1796200000000 implements MigrationInterface {
  name = 'AddInstanceIdentity1796200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "instance" ("id" integer PRIMARY KEY NOT NULL, "instance_id" text NOT NULL, "cursor_key" text NOT NULL, "created_at" text NOT NULL)`,
    );
    await queryRunner.query(
      `INSERT INTO "instance" ("id", "instance_id", "cursor_key", "created_at") VALUES (1, ?, ?, ?)`,
      [randomUUID(), randomBytes(32).toString('hex'), new Date().toISOString()],
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "instance"`);
  }
}
