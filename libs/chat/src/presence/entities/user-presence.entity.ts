import { Column, Entity, PrimaryColumn } from 'typeorm';

/** When a user was last seen: written when their first connection opens and when their last one closes. */
@Entity({ name: 'chat_user_presence' })
export class UserPresenceEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255, primaryKeyConstraintName: 'chat_user_presence_pk' })
  userId: string;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt: Date;
}
