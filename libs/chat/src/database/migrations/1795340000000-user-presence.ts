import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Last-seen times move from the user profile to a table of the presence feature, which alone writes them. */
export class UserPresence1795340000000 implements MigrationInterface {
  name = 'UserPresence1795340000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "chat_user_presence" ("user_id" character varying(255) NOT NULL, "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "chat_user_presence_pk" PRIMARY KEY ("user_id"))`,
    );
    await queryRunner.query(`INSERT INTO "chat_user_presence" ("user_id", "last_seen_at") SELECT "id", "last_seen_at" FROM "chat_users" WHERE "last_seen_at" IS NOT NULL`);
    await queryRunner.query(`ALTER TABLE "chat_users" DROP COLUMN "last_seen_at"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "chat_users" ADD "last_seen_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`UPDATE "chat_users" u SET "last_seen_at" = p."last_seen_at" FROM "chat_user_presence" p WHERE p."user_id" = u."id"`);
    await queryRunner.query(`DROP TABLE "chat_user_presence"`);
  }
}
