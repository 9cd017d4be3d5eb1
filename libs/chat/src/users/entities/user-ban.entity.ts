import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A server-wide ban: the user's chat requests are refused (403 `USER_BANNED`) and their sockets cut until it ends. */
@Entity({ name: 'chat_user_bans' })
export class UserBanEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255, primaryKeyConstraintName: 'chat_user_bans_pk' })
  userId: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reason: string | null;

  /** When the ban ends by itself; null: until an administrator lifts it. */
  @Column({ type: 'timestamptz', nullable: true })
  until: Date | null;

  /** The administrator who banned. */
  @Column({ name: 'created_by', type: 'varchar', length: 255 })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
