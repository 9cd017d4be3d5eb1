import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { MessageEntity } from './message.entity';

/** An earlier version of an edited message: the body it had until `replacedAt`. */
@Entity({ name: 'chat_message_edits' })
@Index('chat_message_edits_message_idx', ['messageId', 'replacedAt'])
export class MessageEditEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'chat_message_edits_pk' })
  id: string;

  @Column({ name: 'message_id', type: 'uuid' })
  messageId: string;

  @ManyToOne(() => MessageEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'chat_message_edits_message_fk' })
  message?: MessageEntity;

  @Column({ type: 'text' })
  body: string;

  @Column({ name: 'replaced_at', type: 'timestamptz' })
  replacedAt: Date;
}
