import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateApiKeys1795968000000 implements MigrationInterface {
  name = 'CreateApiKeys1795968000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "api_keys" ("id" text PRIMARY KEY NOT NULL, "name" text NOT NULL, "role" text NOT NULL, "key_hash" text NOT NULL, "key_prefix" text NOT NULL, "scope_json" text NOT NULL DEFAULT ('{}'), "created_at" text NOT NULL, "expires_at" text, "last_used_at" text, "revoked_at" text, "created_by" text)`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_api_keys_name" ON "api_keys" ("name") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_api_keys_key_hash" ON "api_keys" ("key_hash") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_api_keys_key_hash"`);
    await queryRunner.query(`DROP INDEX "IDX_api_keys_name"`);
    await queryRunner.query(`DROP TABLE "api_keys"`);
  }
}
