import { ApiProperty } from '@nestjs/swagger';

export class WebPushConfigResponse {
  /** The server's VAPID public key (base64url): `applicationServerKey` of `pushManager.subscribe`. */
  @ApiProperty()
  vapidPublicKey: string;
}

/** What the server can send: a client registers only the kinds of device it can use. */
export class NotificationConfigResponse {
  /** Web Push, when configured; null otherwise. */
  @ApiProperty({ type: WebPushConfigResponse, nullable: true })
  webpush: WebPushConfigResponse | null;

  /** Whether FCM pushes are sent. */
  @ApiProperty()
  fcm: boolean;
}
