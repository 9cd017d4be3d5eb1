import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { MessageEntity } from './message.entity';

/** One user's reaction with one emoji to one message; the primary key makes it one at most. */
@Entity({ name: 'chat_message_reactions' })
export class ReactionEntity {
  @PrimaryColumn({ name: 'message_id', type: 'uuid', primaryKeyConstraintName: 'chat_message_reactions_pk' })
  messageId: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255, primaryKeyConstraintName: 'chat_message_reactions_pk' })
  userId: string;

  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'chat_message_reactions_pk' })
  emoji: string;

  @ManyToOne(() => MessageEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'chat_message_reactions_message_fk' })
  message?: MessageEntity;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
