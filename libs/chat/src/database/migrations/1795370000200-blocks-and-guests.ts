import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Blocks between users (who blocked whom, looked up both ways) and the guest mark of a chat profile, so that a
 * guest can be refused when someone adds them to a room that does not allow guests.
 */
export class BlocksAndGuests1795370000200 implements MigrationInterface {
  name = 'BlocksAndGuests1795370000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "chat_user_blocks" ("blocker_id" character varying(255) NOT NULL, "blocked_id" character varying(255) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "chat_user_blocks_pk" PRIMARY KEY ("blocker_id", "blocked_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "chat_user_blocks_blocked_idx" ON "chat_user_blocks" ("blocked_id")`);
    await queryRunner.query(`ALTER TABLE "chat_users" ADD "guest" boolean NOT NULL DEFAULT false`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "chat_users" DROP COLUMN "guest"`);
    await queryRunner.query(`DROP INDEX "chat_user_blocks_blocked_idx"`);
    await queryRunner.query(`DROP TABLE "chat_user_blocks"`);
  }
}
