import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { RoomEntity } from './room.entity';

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

  @ManyToOne(() => RoomEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'room_id', foreignKeyConstraintName: 'chat_room_member_removals_room_fk' })
  room?: RoomEntity;

  @Column({ type: 'integer' })
  version: number;
}
