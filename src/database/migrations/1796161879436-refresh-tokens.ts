import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Refresh tokens of the local accounts (hashed, rotating, in families; deleted with their account). */
export class RefreshTokens1796161879436 implements MigrationInterface {
  name = 'RefreshTokens1796161879436';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "parley_refresh_tokens" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "token_hash" character(64) NOT NULL, "account_id" uuid NOT NULL, "family_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "parley_refresh_tokens_expiry_chk" CHECK ("expires_at" > "created_at"), CONSTRAINT "parley_refresh_tokens_pk" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "parley_refresh_tokens_account_idx" ON "parley_refresh_tokens" ("account_id")`);
    await queryRunner.query(`CREATE INDEX "parley_refresh_tokens_family_idx" ON "parley_refresh_tokens" ("family_id")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "parley_refresh_tokens_token_hash_uq" ON "parley_refresh_tokens" ("token_hash")`);
    await queryRunner.query(`ALTER TABLE "parley_refresh_tokens" ADD CONSTRAINT "parley_refresh_tokens_account_fk" FOREIGN KEY ("account_id") REFERENCES "parley_accounts"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "parley_refresh_tokens" DROP CONSTRAINT "parley_refresh_tokens_account_fk"`);
    await queryRunner.query(`DROP INDEX "parley_refresh_tokens_token_hash_uq"`);
    await queryRunner.query(`DROP INDEX "parley_refresh_tokens_family_idx"`);
    await queryRunner.query(`DROP INDEX "parley_refresh_tokens_account_idx"`);
    await queryRunner.query(`DROP TABLE "parley_refresh_tokens"`);
  }
}
