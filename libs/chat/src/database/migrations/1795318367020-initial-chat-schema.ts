import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The chat schema: users' chat profiles, rooms with their counters, memberships and the removal log, messages
 * with their edit history and reactions. Generated from the entities, then reviewed; never edit it after it
 * has been released: add a new migration instead.
 */
export class InitialChatSchema1795318367020 implements MigrationInterface {
  name = 'InitialChatSchema1795318367020';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "chat_rooms" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "type" character varying(16) NOT NULL, "title" character varying(200) NOT NULL DEFAULT '', "description" text NOT NULL DEFAULT '', "image_id" uuid, "is_public" boolean NOT NULL DEFAULT false, "allow_guests" boolean NOT NULL DEFAULT false, "creator_id" character varying(255) NOT NULL, "direct_key" character varying(511), "last_seq" integer NOT NULL DEFAULT '0', "version" integer NOT NULL DEFAULT '0', "member_count" integer NOT NULL DEFAULT '0', "last_message_at" TIMESTAMP WITH TIME ZONE, "last_activity_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "chat_rooms_direct_private_ck" CHECK ("type" = 'group' OR ("is_public" = false AND "direct_key" IS NOT NULL)), CONSTRAINT "chat_rooms_type_ck" CHECK ("type" IN ('direct', 'group')), CONSTRAINT "chat_rooms_pk" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "chat_rooms_public_activity_idx" ON "chat_rooms"  ("last_activity_at", "id") WHERE "is_public" = true`);
    await queryRunner.query(`CREATE UNIQUE INDEX "chat_rooms_direct_key_uq" ON "chat_rooms"  ("direct_key") WHERE "direct_key" IS NOT NULL`);
    await queryRunner.query(`CREATE TABLE "chat_messages" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "room_id" uuid NOT NULL, "seq" integer NOT NULL, "sender_id" character varying(255) NOT NULL, "body" text NOT NULL DEFAULT '', "parent_id" uuid, "reply_count" integer NOT NULL DEFAULT '0', "pinned" boolean NOT NULL DEFAULT false, "pinned_at" TIMESTAMP WITH TIME ZONE, "client_id" character varying(100), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "edited_at" TIMESTAMP WITH TIME ZONE, "deleted_at" TIMESTAMP WITH TIME ZONE, "version" integer NOT NULL, CONSTRAINT "chat_messages_pk" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "chat_messages_room_version_idx" ON "chat_messages"  ("room_id", "version")`);
    await queryRunner.query(`CREATE INDEX "chat_messages_thread_idx" ON "chat_messages"  ("parent_id", "seq") WHERE "parent_id" IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "chat_messages_room_top_level_idx" ON "chat_messages"  ("room_id", "seq") WHERE "parent_id" IS NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "chat_messages_sender_client_uq" ON "chat_messages"  ("sender_id", "client_id") WHERE "client_id" IS NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "chat_messages_room_seq_uq" ON "chat_messages"  ("room_id", "seq")`);
    await queryRunner.query(`CREATE TABLE "chat_message_edits" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "message_id" uuid NOT NULL, "body" text NOT NULL, "replaced_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "chat_message_edits_pk" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "chat_message_edits_message_idx" ON "chat_message_edits"  ("message_id", "replaced_at")`);
    await queryRunner.query(`CREATE TABLE "chat_message_reactions" ("message_id" uuid NOT NULL, "user_id" character varying(255) NOT NULL, "emoji" character varying(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "chat_message_reactions_pk" PRIMARY KEY ("message_id", "user_id", "emoji"))`);
    await queryRunner.query(`CREATE TABLE "chat_room_member_removals" ("room_id" uuid NOT NULL, "user_id" character varying(255) NOT NULL, "version" integer NOT NULL, CONSTRAINT "chat_room_member_removals_pk" PRIMARY KEY ("room_id", "user_id"))`);
    await queryRunner.query(`CREATE TABLE "chat_room_members" ("room_id" uuid NOT NULL, "user_id" character varying(255) NOT NULL, "role" character varying(16) NOT NULL, "muted" boolean NOT NULL DEFAULT false, "last_read_seq" integer NOT NULL DEFAULT '0', "last_delivered_seq" integer NOT NULL DEFAULT '0', "joined_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL DEFAULT '0', CONSTRAINT "chat_room_members_role_ck" CHECK ("role" IN ('owner', 'admin', 'member')), CONSTRAINT "chat_room_members_pk" PRIMARY KEY ("room_id", "user_id"))`);
    await queryRunner.query(`CREATE INDEX "chat_room_members_room_version_idx" ON "chat_room_members"  ("room_id", "version")`);
    await queryRunner.query(`CREATE INDEX "chat_room_members_user_idx" ON "chat_room_members"  ("user_id", "room_id")`);
    await queryRunner.query(`CREATE TABLE "chat_users" ("id" character varying(255) NOT NULL, "name" character varying(200), "avatar_url" text, "last_seen_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "chat_users_pk" PRIMARY KEY ("id"))`);
    await queryRunner.query(`ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_room_fk" FOREIGN KEY ("room_id") REFERENCES "chat_rooms"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "chat_messages"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "chat_message_edits" ADD CONSTRAINT "chat_message_edits_message_fk" FOREIGN KEY ("message_id") REFERENCES "chat_messages"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "chat_message_reactions" ADD CONSTRAINT "chat_message_reactions_message_fk" FOREIGN KEY ("message_id") REFERENCES "chat_messages"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "chat_room_member_removals" ADD CONSTRAINT "chat_room_member_removals_room_fk" FOREIGN KEY ("room_id") REFERENCES "chat_rooms"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "chat_room_members" ADD CONSTRAINT "chat_room_members_room_fk" FOREIGN KEY ("room_id") REFERENCES "chat_rooms"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "chat_room_members" DROP CONSTRAINT "chat_room_members_room_fk"`);
    await queryRunner.query(`ALTER TABLE "chat_room_member_removals" DROP CONSTRAINT "chat_room_member_removals_room_fk"`);
    await queryRunner.query(`ALTER TABLE "chat_message_reactions" DROP CONSTRAINT "chat_message_reactions_message_fk"`);
    await queryRunner.query(`ALTER TABLE "chat_message_edits" DROP CONSTRAINT "chat_message_edits_message_fk"`);
    await queryRunner.query(`ALTER TABLE "chat_messages" DROP CONSTRAINT "chat_messages_parent_fk"`);
    await queryRunner.query(`ALTER TABLE "chat_messages" DROP CONSTRAINT "chat_messages_room_fk"`);
    await queryRunner.query(`DROP TABLE "chat_users"`);
    await queryRunner.query(`DROP INDEX "chat_room_members_user_idx"`);
    await queryRunner.query(`DROP INDEX "chat_room_members_room_version_idx"`);
    await queryRunner.query(`DROP TABLE "chat_room_members"`);
    await queryRunner.query(`DROP TABLE "chat_room_member_removals"`);
    await queryRunner.query(`DROP TABLE "chat_message_reactions"`);
    await queryRunner.query(`DROP INDEX "chat_message_edits_message_idx"`);
    await queryRunner.query(`DROP TABLE "chat_message_edits"`);
    await queryRunner.query(`DROP INDEX "chat_messages_room_seq_uq"`);
    await queryRunner.query(`DROP INDEX "chat_messages_sender_client_uq"`);
    await queryRunner.query(`DROP INDEX "chat_messages_room_top_level_idx"`);
    await queryRunner.query(`DROP INDEX "chat_messages_thread_idx"`);
    await queryRunner.query(`DROP INDEX "chat_messages_room_version_idx"`);
    await queryRunner.query(`DROP TABLE "chat_messages"`);
    await queryRunner.query(`DROP INDEX "chat_rooms_direct_key_uq"`);
    await queryRunner.query(`DROP INDEX "chat_rooms_public_activity_idx"`);
    await queryRunner.query(`DROP TABLE "chat_rooms"`);
  }
}
