import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Local accounts of the standalone server. */
export class Accounts1795318466537 implements MigrationInterface {
  name = 'Accounts1795318466537';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "parley_accounts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "username" character varying(32) NOT NULL, "username_lower" character varying(32) NOT NULL, "password_hash" character varying(255) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "parley_accounts_pk" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "parley_accounts_username_lower_uq" ON "parley_accounts" ("username_lower")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "parley_accounts_username_lower_uq"`);
    await queryRunner.query(`DROP TABLE "parley_accounts"`);
  }
}
