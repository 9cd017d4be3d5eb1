import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The durable queue of notification work (issue 13).
 *
 * - `chat_outbox`: what happened and still has to be turned into deliveries. A new message's row (`kind` 'message',
 *   payload `{ messageId }`) is written by `chat_write_messages` in the message's own transaction; other domain
 *   events (`kind` 'event', payload `{ type, data, createdAt }`) right after their commit. Every node's dispatcher
 *   takes rows in id order with `FOR UPDATE SKIP LOCKED`, writes their deliveries and deletes them in one transaction.
 * - `chat_deliveries`: one push (to one device), host-driver call or webhook POST to make. Every node's workers take
 *   due rows with `FOR UPDATE SKIP LOCKED`, delete them when sent, or push `next_attempt_at` back (backoff). A room's
 *   webhooks are sent one at a time in `outbox_id` order. A deleted device takes its pending pushes with it.
 */
export class NotificationOutbox1795360000001 implements MigrationInterface {
  name = 'NotificationOutbox1795360000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "chat_outbox" ("id" BIGSERIAL NOT NULL, "room_id" uuid, "kind" character varying(16) NOT NULL, "payload" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "chat_outbox_kind_ck" CHECK ("kind" IN ('message', 'event')), CONSTRAINT "chat_outbox_pk" PRIMARY KEY ("id"))`,
    );
    // The webhook worker asks "is an earlier row of this room still waiting?".
    await queryRunner.query(`CREATE INDEX "chat_outbox_room_idx" ON "chat_outbox" ("room_id", "id") WHERE "room_id" IS NOT NULL`);
    await queryRunner.query(
      `CREATE TABLE "chat_deliveries" ("id" BIGSERIAL NOT NULL, "outbox_id" bigint NOT NULL, "channel" character varying(16) NOT NULL, "device_id" uuid, "room_id" uuid, "payload" jsonb NOT NULL, "attempts" integer NOT NULL DEFAULT 0, "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "chat_deliveries_channel_ck" CHECK ("channel" IN ('fcm', 'webpush', 'webhook', 'driver')), CONSTRAINT "chat_deliveries_pk" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "chat_deliveries_due_idx" ON "chat_deliveries" ("next_attempt_at", "id")`);
    await queryRunner.query(`CREATE INDEX "chat_deliveries_room_order_idx" ON "chat_deliveries" ("room_id", "outbox_id", "id") WHERE "channel" = 'webhook'`);
    await queryRunner.query(`CREATE INDEX "chat_deliveries_device_idx" ON "chat_deliveries" ("device_id") WHERE "device_id" IS NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "chat_deliveries" ADD CONSTRAINT "chat_deliveries_device_fk" FOREIGN KEY ("device_id") REFERENCES "chat_devices"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "chat_deliveries"`);
    await queryRunner.query(`DROP TABLE "chat_outbox"`);
  }
}
