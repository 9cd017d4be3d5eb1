import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { ImageEntity } from '../../images/entities/image.entity';

export type RoomType = 'direct' | 'group';

/**
 * A room. `last_seq` and `version` are the per-room counters: every change in the room increments `version`
 * (and a new message `last_seq`) with one `UPDATE ... RETURNING` in the change's transaction, so both are
 * gapless and follow commit order, and writers of one room are serialised by this row's lock.
 */
@Entity({ name: 'chat_rooms' })
@Check('chat_rooms_type_ck', `"type" IN ('direct', 'group')`)
@Check('chat_rooms_slow_mode_ck', `"slow_mode_seconds" BETWEEN 0 AND 3600`)
@Check('chat_rooms_direct_private_ck', `"type" = 'group' OR ("is_public" = false AND "direct_key" IS NOT NULL)`)
@Index('chat_rooms_direct_key_uq', ['directKey'], { unique: true, where: '"direct_key" IS NOT NULL' })
@Index('chat_rooms_public_activity_idx', ['lastActivityAt', 'id'], { where: '"is_public" = true' })
export class RoomEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'chat_rooms_pk' })
  id: string;

  @Column({ type: 'varchar', length: 16 })
  type: RoomType;

  @Column({ type: 'varchar', length: 200, default: '' })
  title: string;

  @Column({ type: 'text', default: '' })
  description: string;

  /** The room picture; the image's deletion clears it. */
  @Column({ name: 'image_id', type: 'uuid', nullable: true })
  imageId: string | null;

  @ManyToOne(() => ImageEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'image_id', foreignKeyConstraintName: 'chat_rooms_image_fk' })
  image?: ImageEntity;

  @Column({ name: 'is_public', type: 'boolean', default: false })
  isPublic: boolean;

  @Column({ name: 'allow_guests', type: 'boolean', default: false })
  allowGuests: boolean;

  @Column({ name: 'creator_id', type: 'varchar', length: 255 })
  creatorId: string;

  /** For direct rooms, the two member ids sorted and joined: the unique index makes one room per pair. */
  @Column({ name: 'direct_key', type: 'varchar', length: 511, nullable: true })
  directKey: string | null;

  @Column({ name: 'last_seq', type: 'integer', default: 0 })
  lastSeq: number;

  @Column({ type: 'integer', default: 0 })
  version: number;

  @Column({ name: 'member_count', type: 'integer', default: 0 })
  memberCount: number;

  @Column({ name: 'last_message_at', type: 'timestamptz', nullable: true })
  lastMessageAt: Date | null;

  /** The sort key of "my rooms": creation, then every new message. */
  @Column({ name: 'last_activity_at', type: 'timestamptz', default: () => 'now()' })
  lastActivityAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** Slow mode: members other than the owner and admins send at most one message per this many seconds (0: off). */
  @Column({ name: 'slow_mode_seconds', type: 'integer', default: 0 })
  slowModeSeconds: number;

  /** Frozen: only the owner and admins send. */
  @Column({ type: 'boolean', default: false })
  frozen: boolean;
}
