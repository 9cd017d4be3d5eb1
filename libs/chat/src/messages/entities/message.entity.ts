import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

import type { SystemEvent } from '../../common/system-messages';

export type MessageType = 'user' | 'system';

/**
 * A message. `seq` numbers the messages of a room without gaps in commit order; `version` is the room version
 * of the message's last change (created, edited, deleted, reacted to, replied to), for `changes?since=`.
 * A deleted message stays as a tombstone (`deleted_at` set); whether `body` keeps the original text then is a
 * module option, and it is never served.
 *
 * A system message (`type` 'system') records a membership or room change: no sender, the change as data
 * (`systemEvent`, `systemActorId`, `systemTargetId`) and an English sentence as `body`.
 */
@Entity({ name: 'chat_messages' })
@Check(
  'chat_messages_type_ck',
  `("type" = 'user' AND "sender_id" IS NOT NULL AND "system_event" IS NULL) OR ("type" = 'system' AND "sender_id" IS NULL AND "system_event" IS NOT NULL)`,
)
@Index('chat_messages_room_seq_uq', ['roomId', 'seq'], { unique: true })
@Index('chat_messages_sender_client_uq', ['senderId', 'clientId'], { unique: true, where: '"client_id" IS NOT NULL' })
@Index('chat_messages_room_top_level_idx', ['roomId', 'seq'], { where: '"parent_id" IS NULL' })
@Index('chat_messages_thread_idx', ['parentId', 'seq'], { where: '"parent_id" IS NOT NULL' })
@Index('chat_messages_room_version_idx', ['roomId', 'version'])
// GIN trigram index for `?q=`, made by the MessageSearch migration where pg_trgm exists; not TypeORM's to manage.
@Index('chat_messages_body_trgm_idx', { synchronize: false })
// GIN index on `mentions` (migration Notifications1795360000000), for "unread messages that mention me".
@Index('chat_messages_mentions_idx', { synchronize: false })
export class MessageEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'chat_messages_pk' })
  id: string;

  @Column({ name: 'room_id', type: 'uuid' })
  roomId: string;

  // Named, not imported: the rooms feature depends on this one, never the reverse.
  @ManyToOne('RoomEntity', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'room_id', foreignKeyConstraintName: 'chat_messages_room_fk' })
  room?: object;

  @Column({ type: 'integer' })
  seq: number;

  @Column({ type: 'varchar', length: 16, default: 'user' })
  type: MessageType;

  /** Null for system messages. */
  @Column({ name: 'sender_id', type: 'varchar', length: 255, nullable: true })
  senderId: string | null;

  @Column({ name: 'system_event', type: 'varchar', length: 32, nullable: true })
  systemEvent: SystemEvent | null;

  /** Who made the change a system message records. */
  @Column({ name: 'system_actor_id', type: 'varchar', length: 255, nullable: true })
  systemActorId: string | null;

  /** The member the change was about (added, removed, banned), null when it was about the actor or the room. */
  @Column({ name: 'system_target_id', type: 'varchar', length: 255, nullable: true })
  systemTargetId: string | null;

  @Column({ type: 'text', default: '' })
  body: string;

  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId: string | null;

  @ManyToOne(() => MessageEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'parent_id', foreignKeyConstraintName: 'chat_messages_parent_fk' })
  parent?: MessageEntity;

  @Column({ name: 'reply_count', type: 'integer', default: 0 })
  replyCount: number;

  @Column({ type: 'boolean', default: false })
  pinned: boolean;

  @Column({ name: 'pinned_at', type: 'timestamptz', nullable: true })
  pinnedAt: Date | null;

  /** User ids the message mentions (members of the room when it was sent or edited), each once. */
  @Column({ type: 'varchar', length: 255, array: true, default: () => "'{}'" })
  mentions: string[];

  @Column({ name: 'client_id', type: 'varchar', length: 100, nullable: true })
  clientId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'edited_at', type: 'timestamptz', nullable: true })
  editedAt: Date | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @Column({ type: 'integer' })
  version: number;
}
