import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsNumber, IsObject, IsOptional, ValidateNested } from 'class-validator';
import { IsChatText, IsOptionalNonNull } from '../../../common/chat-text';
import type { DevicePlatform } from '../entities/device.entity';

/** Longest FCM registration token accepted (they are about 160 characters today). */
export const MAX_FCM_TOKEN_LENGTH = 4096;
/** Longest Web Push endpoint URL accepted. */
export const MAX_ENDPOINT_LENGTH = 2048;

/** The keys of a Web Push subscription (`PushSubscription.toJSON().keys`). */
export class WebPushKeysDto {
  /** The browser's P-256 public key: base64url of 65 bytes. */
  @IsChatText({ min: 1, max: 200 })
  p256dh: string;

  /** The browser's auth secret: base64url of 16 bytes. */
  @IsChatText({ min: 1, max: 100 })
  auth: string;
}

/** A browser's Web Push subscription, as `JSON.stringify(pushSubscription)` gives it. */
export class WebPushSubscriptionDto {
  /** The push service's URL for this browser: https, on an allowed push-service host. */
  @IsChatText({ min: 1, max: MAX_ENDPOINT_LENGTH })
  endpoint: string;

  @ApiProperty({ type: WebPushKeysDto })
  @IsObject()
  @ValidateNested()
  @Type(() => WebPushKeysDto)
  keys: WebPushKeysDto;

  /** Sent by browsers (`PushSubscription.toJSON()`); ignored. */
  @ApiPropertyOptional({ type: Number, nullable: true })
  @IsOptional()
  @IsNumber()
  expirationTime?: number | null;
}

/**
 * `POST /devices`: `{ platform: "fcm", token }` or `{ platform: "webpush", subscription: { endpoint, keys: { p256dh,
 * auth } } }`.
 */
export class RegisterDeviceDto {
  @ApiProperty({ enum: ['fcm', 'webpush'], enumName: 'DevicePlatform' })
  @IsIn(['fcm', 'webpush'])
  platform: DevicePlatform;

  /** FCM only: the app's registration token. */
  @IsChatText({ min: 1, max: MAX_FCM_TOKEN_LENGTH, optional: true })
  token?: string;

  /** Web Push only: the browser's subscription. */
  @ApiPropertyOptional({ type: WebPushSubscriptionDto })
  @IsOptionalNonNull()
  @IsObject()
  @ValidateNested()
  @Type(() => WebPushSubscriptionDto)
  subscription?: WebPushSubscriptionDto;
}
