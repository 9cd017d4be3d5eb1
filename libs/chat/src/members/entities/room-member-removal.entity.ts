import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

/**
 * Who left or was removed from a room, at which room version: what `changes?since=` reports as
 * `removedMemberIds`. A user who comes back loses this row.
 */
@Entity({ name: 'chat_room_member_removals' })
export class RoomMemberRemovalEntity {
  @PrimaryColumn({ name: 'room_id', type: 'uuid', primaryKeyConstraintName: 'chat_room_member_removals_pk' })
  roomId: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255, primaryKeyConstraintName: 'chat_room_member_removals_pk' })
  userId: string;

  // Named, not imported: the rooms feature depends on this one, never the reverse.
  @ManyToOne('RoomEntity', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'room_id', foreignKeyConstraintName: 'chat_room_member_removals_room_fk' })
  room?: object;

  @Column({ type: 'integer' })
  version: number;
}
