import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Server-wide user bans (issue 14, administration): one row per banned user, keyed by the user id, so the check every
 * chat request makes is a primary-key lookup.
 */
export class ServerBans1795370000300 implements MigrationInterface {
  name = 'ServerBans1795370000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "chat_user_bans" ("user_id" character varying(255) NOT NULL, "reason" character varying(500), "until" TIMESTAMP WITH TIME ZONE, "created_by" character varying(255) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "chat_user_bans_pk" PRIMARY KEY ("user_id"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "chat_user_bans"`);
  }
}
