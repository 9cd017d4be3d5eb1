import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The audit log of moderation and administration actions (issue 14), newest first by `(created_at, id)`. */
export class AuditLog1795370000000 implements MigrationInterface {
  name = 'AuditLog1795370000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "chat_audit_log" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "actor_id" character varying(255) NOT NULL, "action" character varying(64) NOT NULL, "target_type" character varying(16) NOT NULL, "target_id" character varying(255) NOT NULL, "room_id" uuid, "details" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "chat_audit_log_pk" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "chat_audit_log_created_idx" ON "chat_audit_log" ("created_at", "id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "chat_audit_log_created_idx"`);
    await queryRunner.query(`DROP TABLE "chat_audit_log"`);
  }
}
