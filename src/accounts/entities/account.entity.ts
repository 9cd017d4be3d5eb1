import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A local account of the standalone server (deployments without an identity provider). */
@Entity({ name: 'parley_accounts' })
@Index('parley_accounts_username_lower_uq', ['usernameLower'], { unique: true })
export class AccountEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'parley_accounts_pk' })
  id: string;

  /** As the user typed it. */
  @Column({ type: 'varchar', length: 32 })
  username: string;

  /** Usernames are unique without regard to case. */
  @Column({ name: 'username_lower', type: 'varchar', length: 32 })
  usernameLower: string;

  /** `scrypt$N$r$p$salt$hash`, base64url parts; never leaves the accounts service. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
