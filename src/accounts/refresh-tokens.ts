import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/** What a presented refresh token turned out to be. */
export type Rotation =
  /** It was the current token of its family: it is used now, and `token` is the family's next one. */
  | { outcome: 'rotated'; accountId: string; token: string }
  /** It had been used before: its whole family is revoked now (a copy of it is in somebody else's hands). */
  | { outcome: 'reused' }
  /** Unknown, expired, revoked, or its account is gone. */
  | { outcome: 'invalid' };

/** RefreshTokenEntity's table: the conditional updates below are written in SQL. */
const TABLE = 'parley_refresh_tokens';

/** Only the SHA-256 of a token is stored: 256 random bits need no salt or slow hash. */
const hashOf = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * The refresh tokens of the local accounts: opaque 256-bit random strings (base64url), stored hashed, rotating in
 * families. Issuing starts a family (a log-in); rotating exchanges the family's current token for the next one;
 * presenting a used token again revokes the family; logout revokes it too.
 *
 * Every step is one transaction through its own EntityManager (on the embedded database a query outside it would
 * wait for the single session forever).
 */
@Injectable()
export class RefreshTokens {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The first token of a new family (after register or log-in). */
  issue(accountId: string): Promise<string> {
    return this.dataSource.transaction((manager) => this.insert(manager, accountId, randomUUID()));
  }

  /**
   * Exchanges `token` for the next one of its family. The conditional UPDATE marks it used only if nobody did
   * before: of two concurrent refreshes with one token, the second waits for the first's row lock, then finds
   * `used_at` set, so exactly one of them rotates and the other counts as a reuse.
   */
  async rotate(token: string): Promise<Rotation> {
    const tokenHash = hashOf(token);
    return this.dataSource.transaction(async (manager): Promise<Rotation> => {
      const [claimed] = (await manager.query(
        `UPDATE "${TABLE}" SET "used_at" = now()
          WHERE "token_hash" = $1 AND "used_at" IS NULL AND "revoked_at" IS NULL AND "expires_at" > now()
          RETURNING "account_id" AS "accountId", "family_id" AS "familyId"`,
        [tokenHash],
      )) as [Array<{ accountId: string; familyId: string }>, number];
      if (claimed.length > 0) {
        const { accountId, familyId } = claimed[0];
        // Used tokens are kept until they expire, to recognise a reuse; older ones of the account go now.
        await manager.query(`DELETE FROM "${TABLE}" WHERE "account_id" = $1 AND "expires_at" <= now()`, [accountId]);
        return { outcome: 'rotated', accountId, token: await this.insert(manager, accountId, familyId) };
      }
      const [known] = (await manager.query(`SELECT "family_id" AS "familyId", "used_at" AS "usedAt", "revoked_at" AS "revokedAt" FROM "${TABLE}" WHERE "token_hash" = $1`, [
        tokenHash,
      ])) as Array<{ familyId: string; usedAt: Date | null; revokedAt: Date | null }>;
      if (known?.usedAt && !known.revokedAt) {
        await this.revokeFamily(manager, known.familyId);
        return { outcome: 'reused' };
      }
      return { outcome: 'invalid' };
    });
  }

  /** Logout: revokes the family of `token`; an unknown token changes nothing. */
  async revoke(token: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [known] = (await manager.query(`SELECT "family_id" AS "familyId" FROM "${TABLE}" WHERE "token_hash" = $1`, [hashOf(token)])) as Array<{ familyId: string }>;
      if (known) await this.revokeFamily(manager, known.familyId);
    });
  }

  private async revokeFamily(manager: EntityManager, familyId: string): Promise<void> {
    await manager.query(`UPDATE "${TABLE}" SET "revoked_at" = now() WHERE "family_id" = $1 AND "revoked_at" IS NULL`, [familyId]);
  }

  private async insert(manager: EntityManager, accountId: string, familyId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    // The database's clock sets the expiry, as it is the clock every expiry check reads.
    await manager.query(`INSERT INTO "${TABLE}" ("token_hash", "account_id", "family_id", "expires_at") VALUES ($1, $2, $3, now() + make_interval(secs => $4))`, [
      hashOf(token),
      accountId,
      familyId,
      this.config.refreshTokenTtlSeconds,
    ]);
    return token;
  }
}
