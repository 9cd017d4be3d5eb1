import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ChatPrincipal } from '../../auth/chat-principal';
import { ChatError } from '../../common/chat-error';
import { NotificationsConfig } from '../notifications-config';
import { toDeviceResponse, type DeviceResponse } from './dto/device.response';
import type { NotificationConfigResponse } from './dto/notification-config.response';
import type { RegisterDeviceDto } from './dto/register-device.dto';
import { DeviceEntity } from './entities/device.entity';

/** Most devices one user keeps; registering more drops their oldest. */
export const MAX_DEVICES_PER_USER = 50;

export interface RegisteredDevice {
  /** False when the token or endpoint was registered already (the device, moved to the caller if needed). */
  created: boolean;
  device: DeviceResponse;
}

interface DeviceRow {
  id: string;
  user_id: string;
  platform: DeviceEntity['platform'];
  created_at: Date;
  last_used_at: Date | null;
  inserted: boolean;
}

/** The caller's push targets: FCM tokens and Web Push subscriptions. */
@Injectable()
export class DevicesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: NotificationsConfig,
  ) {}

  /**
   * One row per token or endpoint: registering it again (the app restarted, the browser re-subscribed) answers the
   * same device, with its keys refreshed; registered by another user (a shared or resold phone, another account in
   * the same browser), it moves to the caller, so the previous owner gets no more of its pushes.
   */
  async register(principal: ChatPrincipal, dto: RegisterDeviceDto): Promise<RegisteredDevice> {
    const target = this.validTarget(dto);
    const rows: DeviceRow[] = await this.dataSource.query(
      `INSERT INTO chat_devices (user_id, platform, target, p256dh, auth) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (target) DO UPDATE SET user_id = EXCLUDED.user_id, platform = EXCLUDED.platform, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth
       RETURNING id, user_id, platform, created_at, last_used_at, (xmax = 0) AS inserted`,
      [principal.userId, dto.platform, target.target, target.p256dh, target.auth],
    );
    const row = rows[0];
    if (row.inserted) await this.dropOldest(principal.userId);
    return {
      created: row.inserted,
      device: toDeviceResponse({ id: row.id, platform: row.platform, createdAt: new Date(row.created_at), lastUsedAt: row.last_used_at ? new Date(row.last_used_at) : null }),
    };
  }

  async list(principal: ChatPrincipal): Promise<{ items: DeviceResponse[] }> {
    const devices = await this.dataSource.getRepository(DeviceEntity).find({ where: { userId: principal.userId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return { items: devices.map(toDeviceResponse) };
  }

  /** The caller's device only: another user's, like a missing one, is 404. */
  async remove(principal: ChatPrincipal, deviceId: string): Promise<void> {
    const result = await this.dataSource.getRepository(DeviceEntity).delete({ id: deviceId, userId: principal.userId });
    if (!result.affected) throw new ChatError('DEVICE_NOT_FOUND', 'Device not found');
  }

  notificationConfig(): NotificationConfigResponse {
    const { webPush, fcm } = this.config;
    return { webpush: webPush ? { vapidPublicKey: webPush.vapidPublicKey } : null, fcm: fcm !== null };
  }

  /** What is stored for the device; a Web Push endpoint only on an allowed push service (the server posts to it). */
  private validTarget(dto: RegisterDeviceDto): { target: string; p256dh: string | null; auth: string | null } {
    if (dto.platform === 'fcm') {
      if (dto.subscription !== undefined) throw new ChatError('INVALID_INPUT', 'subscription is for platform webpush; an fcm device has a token');
      if (dto.token === undefined) throw new ChatError('INVALID_INPUT', 'token is required for platform fcm');
      return { target: dto.token, p256dh: null, auth: null };
    }
    if (dto.token !== undefined) throw new ChatError('INVALID_INPUT', 'token is for platform fcm; a webpush device has a subscription');
    const subscription = dto.subscription;
    if (!subscription) throw new ChatError('INVALID_INPUT', 'subscription is required for platform webpush');
    if (!this.config.isAllowedWebPushEndpoint(subscription.endpoint)) {
      throw new ChatError('PUSH_ENDPOINT_NOT_ALLOWED', 'subscription.endpoint must be an https URL of an allowed push service');
    }
    if (base64UrlBytes(subscription.keys.p256dh) !== 65 || Buffer.from(subscription.keys.p256dh, 'base64url')[0] !== 4) {
      throw new ChatError('INVALID_INPUT', 'subscription.keys.p256dh must be the base64url of an uncompressed P-256 public key (65 bytes)');
    }
    if (base64UrlBytes(subscription.keys.auth) !== 16) throw new ChatError('INVALID_INPUT', 'subscription.keys.auth must be the base64url of 16 bytes');
    return { target: subscription.endpoint, p256dh: subscription.keys.p256dh, auth: subscription.keys.auth };
  }

  private async dropOldest(userId: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM chat_devices WHERE user_id = $1 AND id NOT IN (
         SELECT id FROM chat_devices WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)`,
      [userId, MAX_DEVICES_PER_USER],
    );
  }
}

/** Bytes of a base64url text (padding allowed), or -1 when it is not base64url. */
function base64UrlBytes(value: string): number {
  return /^[A-Za-z0-9_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64url').length : -1;
}
