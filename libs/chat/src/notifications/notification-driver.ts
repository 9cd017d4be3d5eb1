/**
 * The host's own notifier, plugged in with the module option `notifications.drivers`: APNs, e-mail, SMS... It is
 * called once for each member who would get a push for a new message (see "Who is notified" in the API contract),
 * with that member's registered devices (possibly none: an e-mail needs no device).
 *
 * Delivery is at least once: when `send` throws or its promise rejects, it is called again later with the same
 * notification (backoff from about 2 s, doubling, for about an hour), so deduplicate by `messageId` + `userId` when a
 * duplicate would matter. It runs off the send path, on one node at a time per notification: a slow driver never
 * slows a send, but it holds one of the node's delivery slots (`notifications.delivery.concurrency`) while it runs,
 * and a call that outlasts `notifications.delivery.requestTimeoutMs` plus 2 s may be started again by another node
 * (the lease ended). Keep it bounded: time out your own I/O.
 *
 * ```ts
 * ChatModule.forRoot({ jwt, notifications: { drivers: [{ name: 'apns', send: (n) => apns.push(n.devices, n.title, n.body, n.data) }] } })
 * ```
 */
export interface NotificationDriver {
  /**
   * A stable name, unique among the drivers (default `driver-<index>`): pending deliveries are kept in the database
   * under it, so a restart with the same drivers resumes them. Deliveries for a name no longer configured are dropped.
   */
  readonly name?: string;
  send(notification: ChatNotification): Promise<void> | void;
}

/** One member's notification for one new message. */
export interface ChatNotification {
  /** Who should be told. */
  userId: string;
  roomId: string;
  messageId: string;
  /** The room's title, or the sender's name in a direct room. */
  title: string;
  /** The message text cut to about 100 characters, or a word for an images-only message. */
  body: string;
  /** What a push carries (string values, as FCM requires). */
  data: { roomId: string; messageId: string; seq: string };
  /** The member's registered push targets, as they are when the notification is sent. */
  devices: ChatNotificationDevice[];
}

/** A registered push target of the member (`POST /devices`). */
export interface ChatNotificationDevice {
  id: string;
  platform: 'fcm' | 'webpush';
  /** The FCM registration token, or the Web Push endpoint URL. */
  target: string;
  /** Web Push subscription keys (base64url), null for FCM. */
  keys: { p256dh: string; auth: string } | null;
}
