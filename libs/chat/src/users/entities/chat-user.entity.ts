import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * The chat's own small profile of a host user: the host owns its users, so the id is the host's and there is
 * no foreign key into the host's tables. Refreshed from tokens (and later the host's user resolver).
 */
@Entity({ name: 'chat_users' })
export class ChatUserEntity {
  @PrimaryColumn({ type: 'varchar', length: 255, primaryKeyConstraintName: 'chat_users_pk' })
  id: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  name: string | null;

  @Column({ name: 'avatar_url', type: 'text', nullable: true })
  avatarUrl: string | null;

  /** Signed in as a guest (last token): may only be a member of rooms that allow guests. */
  @Column({ type: 'boolean', default: false })
  guest: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
