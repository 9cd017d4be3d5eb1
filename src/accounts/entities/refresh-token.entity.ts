import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { AccountEntity } from './account.entity';

/**
 * A refresh token of a local account. Only its SHA-256 is stored, so a copy of the table cannot be used to log in.
 * Tokens rotate: each refresh marks the presented token used and issues the next one of the same family (one
 * family per log-in); a used token presented again revokes its whole family.
 */
@Entity({ name: 'parley_refresh_tokens' })
@Index('parley_refresh_tokens_token_hash_uq', ['tokenHash'], { unique: true })
@Index('parley_refresh_tokens_family_idx', ['familyId'])
@Index('parley_refresh_tokens_account_idx', ['accountId'])
@Check('parley_refresh_tokens_expiry_chk', `"expires_at" > "created_at"`)
export class RefreshTokenEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'parley_refresh_tokens_pk' })
  id: string;

  /** Lower-case hex SHA-256 of the token; the token itself is never stored. */
  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @Column({ name: 'account_id', type: 'uuid' })
  accountId: string;

  /** The tokens are deleted with their account, so a removed account can never refresh. */
  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'parley_refresh_tokens_account_fk' })
  account?: AccountEntity;

  /** The log-in this token descends from: every rotation keeps it, logout and reuse revoke all of it. */
  @Column({ name: 'family_id', type: 'uuid' })
  familyId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** When it was exchanged for the next token; null while it is the family's current one. */
  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  /** When its family was revoked (logout, or a used token presented again). */
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
