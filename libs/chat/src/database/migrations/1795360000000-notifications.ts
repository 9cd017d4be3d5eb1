import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications, the data side (issue 13):
 * - `chat_devices`: the push targets of users, one row per FCM token or Web Push endpoint (`target`, unique: a
 *   token registered again by another user moves to them). Web Push rows keep the subscription's keys.
 * - `chat_room_members.notification_level` ('all' | 'mentions' | 'none') and `muted_until` replace the `muted`
 *   flag: a muted member becomes level 'none' (`me.muted` now means level 'none' or `muted_until` in the future).
 * - `chat_messages.mentions`: the user ids a message mentions, with a GIN index for "unread messages that mention me".
 */
export class Notifications1795360000000 implements MigrationInterface {
  name = 'Notifications1795360000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "chat_devices" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" character varying(255) NOT NULL, "platform" character varying(16) NOT NULL, "target" text NOT NULL, "p256dh" text, "auth" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "chat_devices_platform_ck" CHECK ("platform" IN ('fcm', 'webpush')), CONSTRAINT "chat_devices_pk" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "chat_devices_target_uq" ON "chat_devices" ("target")`);
    await queryRunner.query(`CREATE INDEX "chat_devices_user_idx" ON "chat_devices" ("user_id")`);

    await queryRunner.query(`ALTER TABLE "chat_room_members" ADD "notification_level" character varying(16) NOT NULL DEFAULT 'all'`);
    await queryRunner.query(`ALTER TABLE "chat_room_members" ADD "muted_until" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "chat_room_members" ADD CONSTRAINT "chat_room_members_level_ck" CHECK ("notification_level" IN ('all', 'mentions', 'none'))`);
    await queryRunner.query(`UPDATE "chat_room_members" SET "notification_level" = 'none' WHERE "muted" = true`);
    await queryRunner.query(`ALTER TABLE "chat_room_members" DROP COLUMN "muted"`);

    await queryRunner.query(`ALTER TABLE "chat_messages" ADD "mentions" character varying(255) array NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`CREATE INDEX "chat_messages_mentions_idx" ON "chat_messages" USING GIN ("mentions")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "chat_messages_mentions_idx"`);
    await queryRunner.query(`ALTER TABLE "chat_messages" DROP COLUMN "mentions"`);
    await queryRunner.query(`ALTER TABLE "chat_room_members" ADD "muted" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`UPDATE "chat_room_members" SET "muted" = true WHERE "notification_level" = 'none' OR "muted_until" > now()`);
    await queryRunner.query(`ALTER TABLE "chat_room_members" DROP CONSTRAINT "chat_room_members_level_ck"`);
    await queryRunner.query(`ALTER TABLE "chat_room_members" DROP COLUMN "muted_until"`);
    await queryRunner.query(`ALTER TABLE "chat_room_members" DROP COLUMN "notification_level"`);
    await queryRunner.query(`DROP INDEX "chat_devices_user_idx"`);
    await queryRunner.query(`DROP INDEX "chat_devices_target_uq"`);
    await queryRunner.query(`DROP TABLE "chat_devices"`);
  }
}
