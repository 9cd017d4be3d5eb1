import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The delivery workers' take query reads two lanes: deliveries that go in any order (pushes, `notification`
 * webhooks: `room_id` NULL) by due time, and the first queued webhook of each room (domain events, in order per
 * room). The due-time index over every row made the second lane walk all of a room's waiting webhooks when its head
 * was in flight or backing off (330 ms with 10,000 queued); the due-time index now covers the first lane only, and the
 * room lane reads the heads off `chat_deliveries_room_order_idx`.
 */
export class DeliveryTakeIndexes1795380000000 implements MigrationInterface {
  name = 'DeliveryTakeIndexes1795380000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "chat_deliveries_unordered_due_idx" ON "chat_deliveries" ("next_attempt_at", "id") WHERE "room_id" IS NULL`);
    await queryRunner.query(`DROP INDEX "chat_deliveries_due_idx"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "chat_deliveries_due_idx" ON "chat_deliveries" ("next_attempt_at", "id")`);
    await queryRunner.query(`DROP INDEX "chat_deliveries_unordered_due_idx"`);
  }
}
