import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

export type MemberRole = 'owner' | 'admin' | 'member';
/** Which new messages of the room push to the member: every one, those mentioning them, none. */
export type NotificationLevel = 'all' | 'mentions' | 'none';
export const NOTIFICATION_LEVELS: readonly NotificationLevel[] = ['all', 'mentions', 'none'];

/** A user's membership of a room, with the user's own state in it (role, notification level, read and delivery pointers). */
@Entity({ name: 'chat_room_members' })
@Check('chat_room_members_role_ck', `"role" IN ('owner', 'admin', 'member')`)
@Check('chat_room_members_level_ck', `"notification_level" IN ('all', 'mentions', 'none')`)
@Index('chat_room_members_user_idx', ['userId', 'roomId'])
@Index('chat_room_members_room_version_idx', ['roomId', 'version'])
export class RoomMemberEntity {
  @PrimaryColumn({ name: 'room_id', type: 'uuid', primaryKeyConstraintName: 'chat_room_members_pk' })
  roomId: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255, primaryKeyConstraintName: 'chat_room_members_pk' })
  userId: string;

  // Named, not imported: the rooms feature depends on this one, never the reverse.
  @ManyToOne('RoomEntity', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'room_id', foreignKeyConstraintName: 'chat_room_members_room_fk' })
  room?: object;

  @Column({ type: 'varchar', length: 16 })
  role: MemberRole;

  /** The member's notification level in the room (`POST /mute` sets 'none', `/unmute` 'all'). */
  @Column({ name: 'notification_level', type: 'varchar', length: 16, default: 'all' })
  notificationLevel: NotificationLevel;

  /** No pushes until then, whatever the level (null: not muted for a while). */
  @Column({ name: 'muted_until', type: 'timestamptz', nullable: true })
  mutedUntil: Date | null;

  @Column({ name: 'last_read_seq', type: 'integer', default: 0 })
  lastReadSeq: number;

  @Column({ name: 'last_delivered_seq', type: 'integer', default: 0 })
  lastDeliveredSeq: number;

  @Column({ name: 'joined_at', type: 'timestamptz', default: () => 'now()' })
  joinedAt: Date;

  /** The room version of this row's last change, for `changes?since=`. */
  @Column({ type: 'integer', default: 0 })
  version: number;

  /** Read-only until then: the member's sends are refused (403 `SILENCED`); null: not silenced. */
  @Column({ name: 'silenced_until', type: 'timestamptz', nullable: true })
  silencedUntil: Date | null;

  /** The member's last send counted by slow mode: the slot a send claims with a conditional UPDATE. */
  @Column({ name: 'last_sent_at', type: 'timestamptz', nullable: true })
  lastSentAt: Date | null;
}

/** `muted` of the API: the level is 'none', or the member muted the room until a later time. */
export function isMuted(member: Pick<RoomMemberEntity, 'notificationLevel' | 'mutedUntil'>, now: Date = new Date()): boolean {
  return member.notificationLevel === 'none' || (member.mutedUntil !== null && member.mutedUntil.getTime() > now.getTime());
}
