import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

/** A member's report of a message to the room's owner and admins; one per member and message. */
@Entity({ name: 'chat_message_reports' })
@Index('chat_message_reports_reporter_uq', ['messageId', 'reporterId'], { unique: true })
@Index('chat_message_reports_open_idx', ['roomId', 'createdAt', 'id'], { where: '"resolved_at" IS NULL' })
@Index('chat_message_reports_all_open_idx', ['createdAt', 'id'], { where: '"resolved_at" IS NULL' })
export class MessageReportEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'chat_message_reports_pk' })
  id: string;

  @Column({ name: 'room_id', type: 'uuid' })
  roomId: string;

  @ManyToOne('RoomEntity', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'room_id', foreignKeyConstraintName: 'chat_message_reports_room_fk' })
  room?: object;

  @Column({ name: 'message_id', type: 'uuid' })
  messageId: string;

  @ManyToOne('MessageEntity', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'chat_message_reports_message_fk' })
  message?: object;

  @Column({ name: 'reporter_id', type: 'varchar', length: 255 })
  reporterId: string;

  @Column({ type: 'text' })
  reason: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  /** Set by the owner, an admin or a server administrator; resolved reports leave the queue. */
  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt: Date | null;

  @Column({ name: 'resolved_by', type: 'varchar', length: 255, nullable: true })
  resolvedBy: string | null;
}
