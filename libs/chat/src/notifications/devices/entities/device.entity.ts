import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type DevicePlatform = 'fcm' | 'webpush';

/**
 * A push target of a user: an FCM registration token, or a Web Push subscription (its endpoint and keys). `target`
 * (the token or the endpoint) is unique: registering it again, by whoever, updates this row.
 */
@Entity({ name: 'chat_devices' })
@Check('chat_devices_platform_ck', `"platform" IN ('fcm', 'webpush')`)
@Index('chat_devices_target_uq', ['target'], { unique: true })
@Index('chat_devices_user_idx', ['userId'])
export class DeviceEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'chat_devices_pk' })
  id: string;

  @Column({ name: 'user_id', type: 'varchar', length: 255 })
  userId: string;

  @Column({ type: 'varchar', length: 16 })
  platform: DevicePlatform;

  /** The FCM token, or the Web Push endpoint URL. */
  @Column({ type: 'text' })
  target: string;

  /** Web Push: the subscription's P-256 public key (base64url). */
  @Column({ type: 'text', nullable: true })
  p256dh: string | null;

  /** Web Push: the subscription's auth secret (base64url). */
  @Column({ type: 'text', nullable: true })
  auth: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** When a push last reached the provider for it. */
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}
