import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** What an audited action was done to. */
export type AuditTargetType = 'room' | 'user' | 'message' | 'report';

/**
 * One moderation or administration action: who did what to what, and when. Rows are only ever added (and
 * removed with their actor's erasure never: the log outlives the people in it, it holds ids, not content).
 */
@Entity({ name: 'chat_audit_log' })
@Index('chat_audit_log_created_idx', ['createdAt', 'id'])
export class AuditEntryEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'chat_audit_log_pk' })
  id: string;

  @Column({ name: 'actor_id', type: 'varchar', length: 255 })
  actorId: string;

  /** e.g. `ban.created`, `member.silenced`, `room.frozen`, `report.resolved`, `admin.room.deleted`, `user.erased`. */
  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ name: 'target_type', type: 'varchar', length: 16 })
  targetType: AuditTargetType;

  @Column({ name: 'target_id', type: 'varchar', length: 255 })
  targetId: string;

  /** The room the action was taken in, when there is one (room-level moderation). */
  @Column({ name: 'room_id', type: 'uuid', nullable: true })
  roomId: string | null;

  /** The action's parameters (reason, until, the new settings): ids and settings, never message content. */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  details: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
