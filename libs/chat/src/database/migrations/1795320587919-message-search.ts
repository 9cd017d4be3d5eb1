import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A trigram index for the case-insensitive text filter of message lists (`?q=`), where PostgreSQL can create the
 * pg_trgm extension (it is a trusted extension: the database owner may). Where it cannot, as on the embedded
 * database, the migration goes on without the index and the filter scans the room's messages.
 *
 * New rows go to the index's pending list, which the inserting transaction merges into the index once it is full.
 * With the default 4 MB that merge came every couple of thousand messages and held the message writer (and its
 * room locks) for tens of milliseconds, the worst delivery latencies of the fan-out benchmark; 512 kB makes the
 * merges eight times smaller and as many times more frequent, for about the same total work.
 */
export class MessageSearch1795320587919 implements MigrationInterface {
  name = 'MessageSearch1795320587919';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DO $$
      BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
      EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm is not available: message search will scan rooms';
      END $$`);
    await queryRunner.query(`DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
          CREATE INDEX IF NOT EXISTS "chat_messages_body_trgm_idx" ON "chat_messages" USING gin ("body" gin_trgm_ops) WITH (gin_pending_list_limit = 512);
        END IF;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS "chat_messages_body_trgm_idx"`);
  }
}
