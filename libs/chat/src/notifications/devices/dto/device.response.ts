import { ApiProperty } from '@nestjs/swagger';
import type { DeviceEntity, DevicePlatform } from '../entities/device.entity';

/** A push target of the caller. The token or subscription itself is never sent back. */
export class DeviceResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: ['fcm', 'webpush'], enumName: 'DevicePlatform' })
  platform: DevicePlatform;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  /** When a push last reached the provider for this device; null before the first. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastUsedAt: string | null;
}

/** `GET /devices`: every device of the caller (a handful: not paginated). */
export class DeviceListResponse {
  @ApiProperty({ type: [DeviceResponse] })
  items: DeviceResponse[];
}

/** What a device answer is made of: a stored device, or the row `register`'s upsert returns. */
export type DeviceFields = Pick<DeviceEntity, 'id' | 'platform' | 'createdAt' | 'lastUsedAt'>;

export function toDeviceResponse(device: DeviceFields): DeviceResponse {
  return {
    id: device.id,
    platform: device.platform,
    createdAt: device.createdAt.toISOString(),
    lastUsedAt: device.lastUsedAt?.toISOString() ?? null,
  };
}
