import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * System messages (issue 14): membership and room changes written into the room's history. They have no sender;
 * what happened is kept as data (`system_event`, `system_actor_id`, `system_target_id`) next to the English sentence
 * in `body`. The check keeps the two kinds apart: a user message has a sender and no event, a system message the
 * reverse.
 */
export class SystemMessages1795370000400 implements MigrationInterface {
  name = 'SystemMessages1795370000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "chat_messages" ADD "type" character varying(16) NOT NULL DEFAULT 'user'`);
    await queryRunner.query(`ALTER TABLE "chat_messages" ADD "system_event" character varying(32)`);
    await queryRunner.query(`ALTER TABLE "chat_messages" ADD "system_actor_id" character varying(255)`);
    await queryRunner.query(`ALTER TABLE "chat_messages" ADD "system_target_id" character varying(255)`);
    await queryRunner.query(`ALTER TABLE "chat_messages" ALTER COLUMN "sender_id" DROP NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_type_ck" CHECK (("type" = 'user' AND "sender_id" IS NOT NULL AND "system_event" IS NULL) OR ("type" = 'system' AND "sender_id" IS NULL AND "system_event" IS NOT NULL))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "chat_messages" DROP CONSTRAINT "chat_messages_type_ck"`);
    await queryRunner.query(`DELETE FROM "chat_messages" WHERE "type" = 'system'`);
    await queryRunner.query(`ALTER TABLE "chat_messages" ALTER COLUMN "sender_id" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "chat_messages" DROP COLUMN "system_target_id"`);
    await queryRunner.query(`ALTER TABLE "chat_messages" DROP COLUMN "system_actor_id"`);
    await queryRunner.query(`ALTER TABLE "chat_messages" DROP COLUMN "system_event"`);
    await queryRunner.query(`ALTER TABLE "chat_messages" DROP COLUMN "type"`);
  }
}
