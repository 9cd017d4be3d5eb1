import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

export type MemberRole = 'owner' | 'admin' | 'member';

/** A user's membership of a room, with the user's own state in it (role, mute, read and delivery pointers). */
@Entity({ name: 'chat_room_members' })
@Check('chat_room_members_role_ck', `"role" IN ('owner', 'admin', 'member')`)
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

  @Column({ type: 'boolean', default: false })
  muted: boolean;

  @Column({ name: 'last_read_seq', type: 'integer', default: 0 })
  lastReadSeq: number;

  @Column({ name: 'last_delivered_seq', type: 'integer', default: 0 })
  lastDeliveredSeq: number;

  @Column({ name: 'joined_at', type: 'timestamptz', default: () => 'now()' })
  joinedAt: Date;

  /** The room version of this row's last change, for `changes?since=`. */
  @Column({ type: 'integer', default: 0 })
  version: number;
}
