import { CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** One user blocking another: the blocked user can no longer reach the blocker (see `canReach`). */
@Entity({ name: 'chat_user_blocks' })
@Index('chat_user_blocks_blocked_idx', ['blockedId'])
export class UserBlockEntity {
  @PrimaryColumn({ name: 'blocker_id', type: 'varchar', length: 255, primaryKeyConstraintName: 'chat_user_blocks_pk' })
  blockerId: string;

  @PrimaryColumn({ name: 'blocked_id', type: 'varchar', length: 255, primaryKeyConstraintName: 'chat_user_blocks_pk' })
  blockedId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
