import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

/** A user banned from a room: they cannot join or be added until `until` passes (null: until lifted). */
@Entity({ name: 'chat_room_bans' })
export class RoomBanEntity {
  @PrimaryColumn({ name: 'room_id', type: 'uuid', primaryKeyConstraintName: 'chat_room_bans_pk' })
  roomId: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255, primaryKeyConstraintName: 'chat_room_bans_pk' })
  userId: string;

  // Named, not imported: moderation reads rooms through the access layer.
  @ManyToOne('RoomEntity', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'room_id', foreignKeyConstraintName: 'chat_room_bans_room_fk' })
  room?: object;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  until: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 255 })
  createdBy: string;
}
