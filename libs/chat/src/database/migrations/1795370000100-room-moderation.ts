import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Room moderation (issue 14): bans, message reports, silenced members, slow mode and frozen rooms. A member's
 * `last_sent_at` is their slow-mode slot, claimed with one conditional UPDATE per send.
 */
export class RoomModeration1795370000100 implements MigrationInterface {
  name = 'RoomModeration1795370000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "chat_rooms" ADD "slow_mode_seconds" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "chat_rooms" ADD "frozen" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "chat_rooms" ADD CONSTRAINT "chat_rooms_slow_mode_ck" CHECK ("slow_mode_seconds" BETWEEN 0 AND 3600)`);
    await queryRunner.query(`ALTER TABLE "chat_room_members" ADD "silenced_until" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "chat_room_members" ADD "last_sent_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `CREATE TABLE "chat_room_bans" ("room_id" uuid NOT NULL, "user_id" character varying(255) NOT NULL, "reason" text, "until" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "created_by" character varying(255) NOT NULL, CONSTRAINT "chat_room_bans_pk" PRIMARY KEY ("room_id", "user_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "chat_room_bans" ADD CONSTRAINT "chat_room_bans_room_fk" FOREIGN KEY ("room_id") REFERENCES "chat_rooms"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE TABLE "chat_message_reports" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "room_id" uuid NOT NULL, "message_id" uuid NOT NULL, "reporter_id" character varying(255) NOT NULL, "reason" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "resolved_at" TIMESTAMP WITH TIME ZONE, "resolved_by" character varying(255), CONSTRAINT "chat_message_reports_pk" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "chat_message_reports_reporter_uq" ON "chat_message_reports" ("message_id", "reporter_id")`);
    await queryRunner.query(`CREATE INDEX "chat_message_reports_open_idx" ON "chat_message_reports" ("room_id", "created_at", "id") WHERE "resolved_at" IS NULL`);
    await queryRunner.query(`CREATE INDEX "chat_message_reports_all_open_idx" ON "chat_message_reports" ("created_at", "id") WHERE "resolved_at" IS NULL`);
    await queryRunner.query(
      `ALTER TABLE "chat_message_reports" ADD CONSTRAINT "chat_message_reports_room_fk" FOREIGN KEY ("room_id") REFERENCES "chat_rooms"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "chat_message_reports" ADD CONSTRAINT "chat_message_reports_message_fk" FOREIGN KEY ("message_id") REFERENCES "chat_messages"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "chat_message_reports"`);
    await queryRunner.query(`DROP TABLE "chat_room_bans"`);
    await queryRunner.query(`ALTER TABLE "chat_room_members" DROP COLUMN "last_sent_at"`);
    await queryRunner.query(`ALTER TABLE "chat_room_members" DROP COLUMN "silenced_until"`);
    await queryRunner.query(`ALTER TABLE "chat_rooms" DROP CONSTRAINT "chat_rooms_slow_mode_ck"`);
    await queryRunner.query(`ALTER TABLE "chat_rooms" DROP COLUMN "frozen"`);
    await queryRunner.query(`ALTER TABLE "chat_rooms" DROP COLUMN "slow_mode_seconds"`);
  }
}
