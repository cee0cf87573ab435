import type { MigrationInterface, QueryRunner } from 'typeorm';

// Topology templates with every revision, and their deployments (applies and destroys).
export class CreateTemplates1796300000000 implements MigrationInterface {
  name = 'CreateTemplates1796300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "templates" ("name" text PRIMARY KEY NOT NULL, "revision" integer NOT NULL, "first_revision" integer NOT NULL, "description" text, "labels_json" text NOT NULL DEFAULT ('{}'), "created_at" text NOT NULL, "updated_at" text NOT NULL, "deleted_at" text)`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_templates_deleted_at" ON "templates" ("deleted_at") `);
    await queryRunner.query(
      `CREATE TABLE "template_revisions" ("template" text NOT NULL, "revision" integer NOT NULL, "document_json" text NOT NULL, "created_at" text NOT NULL, "actor" text NOT NULL, PRIMARY KEY ("template", "revision"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "deployments" ("id" text PRIMARY KEY NOT NULL, "template" text NOT NULL, "revision" integer, "kind" text NOT NULL, "status" text NOT NULL, "actions_json" text NOT NULL DEFAULT ('[]'), "expectations_json" text NOT NULL DEFAULT ('[]'), "actor" text NOT NULL, "actor_key_id" text, "started_at" text NOT NULL, "finished_at" text, "error_json" text)`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_deployments_status" ON "deployments" ("status") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_deployments_template_started" ON "deployments" ("template", "started_at") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_deployments_template_started"`);
    await queryRunner.query(`DROP INDEX "IDX_deployments_status"`);
    await queryRunner.query(`DROP TABLE "deployments"`);
    await queryRunner.query(`DROP TABLE "template_revisions"`);
    await queryRunner.query(`DROP INDEX "IDX_templates_deleted_at"`);
    await queryRunner.query(`DROP TABLE "templates"`);
  }
}
