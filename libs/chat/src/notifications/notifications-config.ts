import { readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { CHAT_MODULE_OPTIONS } from '../chat.module-definition';
import type { ChatModuleOptions, ChatNotificationDeliveryOptions, ChatNotificationsOptions, FcmServiceAccount } from '../chat.options';
import type { NotificationDriver } from './notification-driver';

/** The browsers' push services, always allowed as Web Push endpoint hosts. */
export const DEFAULT_WEBPUSH_HOSTS = ['fcm.googleapis.com', 'updates.push.services.mozilla.com', '*.notify.windows.com', 'web.push.apple.com'];

export const DEFAULT_FCM_API_URL = 'https://fcm.googleapis.com';
export const DEFAULT_FCM_TOKEN_URI = 'https://oauth2.googleapis.com/token';

/** The webhook event types (domain events and `notification`), for `webhook.events`. */
export const WEBHOOK_EVENT_TYPES = [
  'message.created',
  'message.updated',
  'message.deleted',
  'member.added',
  'member.updated',
  'member.removed',
  'room.updated',
  'room.deleted',
  'notification',
  'ban.created',
  'ban.removed',
  'report.created',
  'user.banned',
  'user.unbanned',
] as const;

export const DEFAULT_NOTIFICATION_DELIVERY: Required<ChatNotificationDeliveryOptions> = {
  firstRetryMs: 2000,
  maxRetryMs: 600_000,
  giveUpAfterMs: 3_600_000,
  pollIntervalMs: 1000,
  concurrency: 16,
  requestTimeoutMs: 10_000,
};

export interface FcmSettings {
  serviceAccount: Required<FcmServiceAccount>;
  /** Without a trailing slash. */
  apiUrl: string;
}

export interface WebPushSettings {
  vapidPublicKey: string;
  vapidPrivateKey: string;
  subject: string;
}

export interface WebhookSettings {
  url: string;
  secret: string;
  /** null: every event type. */
  events: ReadonlySet<string> | null;
}

export interface DriverSettings {
  name: string;
  driver: NotificationDriver;
}

/**
 * The `notifications` options checked and with their defaults: what the notification code reads. Bad values throw
 * when the module starts, with a message naming the option.
 */
@Injectable()
export class NotificationsConfig {
  readonly fcm: FcmSettings | null;
  readonly webPush: WebPushSettings | null;
  readonly webhook: WebhookSettings | null;
  readonly drivers: DriverSettings[];
  readonly delivery: Required<ChatNotificationDeliveryOptions>;
  /** Hosts a Web Push endpoint may point at (defaults plus `webPush.allowedHosts`), lower case. */
  readonly webPushAllowedHosts: string[];
  /** The same, read: a host name or `*.` pattern, and a port (null: any, for a configured host given without one). */
  private readonly webPushHostPatterns: HostPattern[];
  /** True when something can be sent: pushes, webhooks or a host driver. False: nothing is sent, nothing queued. */
  readonly enabled: boolean;
  /**
   * True when new messages produce work (pushes, host drivers, or a webhook taking `message.created` or
   * `notification`): the message writer then queues a `chat_outbox` row with each message.
   */
  readonly queueMessages: boolean;

  constructor(@Inject(CHAT_MODULE_OPTIONS) options: ChatModuleOptions) {
    const notifications = options.notifications ?? {};
    this.fcm = notifications.fcm ? fcmSettings(notifications.fcm) : null;
    this.webPush = webPushSettings(notifications.webPush ?? {});
    const configuredHosts = (notifications.webPush?.allowedHosts ?? []).map((host) => checkHostPattern(host));
    this.webPushAllowedHosts = [...DEFAULT_WEBPUSH_HOSTS, ...configuredHosts];
    // The browsers' push services on 443 only; a configured host on the port it names, or on any port without one.
    this.webPushHostPatterns = [...DEFAULT_WEBPUSH_HOSTS.map((host) => ({ host, port: '443' })), ...configuredHosts.map(hostPattern)];
    this.webhook = notifications.webhook ? webhookSettings(notifications.webhook) : null;
    this.drivers = (notifications.drivers ?? []).map((driver, index) => {
      if (!driver || typeof driver.send !== 'function') throw new Error(`ChatModule: notifications.drivers[${index}] must have a send(notification) method`);
      return { name: driver.name ?? `driver-${index}`, driver };
    });
    const names = new Set(this.drivers.map((driver) => driver.name));
    if (names.size !== this.drivers.length) throw new Error('ChatModule: notifications.drivers must have distinct names');
    this.delivery = { ...DEFAULT_NOTIFICATION_DELIVERY };
    for (const [key, value] of Object.entries(notifications.delivery ?? {}) as [keyof ChatNotificationDeliveryOptions, number | undefined][]) {
      if (value === undefined) continue;
      if (!Number.isSafeInteger(value) || value < 1) throw new Error(`ChatModule: notifications.delivery.${key} must be a positive whole number`);
      this.delivery[key] = value;
    }
    this.enabled = !!(this.fcm || this.webPush || this.webhook || this.drivers.length);
    this.queueMessages = !!(this.fcm || this.webPush || this.drivers.length || this.webhookWants('notification') || this.webhookWants('message.created'));
  }

  /** Whether the webhook is configured and takes events of this type. */
  webhookWants(type: string): boolean {
    return !!this.webhook && (!this.webhook.events || this.webhook.events.has(type));
  }

  /**
   * Whether a Web Push subscription endpoint may be stored: an https URL (no credentials) on an allowed host. The
   * server posts to it, so it must never be an address a client picked.
   */
  isAllowedWebPushEndpoint(endpoint: string): boolean {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return false;
    }
    if (url.protocol !== 'https:' || url.username || url.password) return false;
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    const port = url.port || '443';
    return this.webPushHostPatterns.some((pattern) => (pattern.port === null || pattern.port === port) && hostMatches(pattern.host, host));
  }
}

/** An allowed push-service host: a name, `*.name` or `[ipv6]`, and its port (null: any). */
interface HostPattern {
  host: string;
  port: string | null;
}

/** `push.example.com` (any port), `push.example.com:8443` (that port), `[::1]:8443`. */
function hostPattern(value: string): HostPattern {
  const match = /^(.*?)(?::(\d{1,5}))?$/.exec(value) as RegExpExecArray;
  // `new URL` writes the default port as none: `host:443` is the same as the default.
  return { host: match[1], port: match[2] === undefined ? null : String(Number(match[2])) };
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && !host.startsWith('.') && host.length > pattern.length - 1;
  return host === pattern;
}

function checkHostPattern(host: string): string {
  const value = String(host).trim().toLowerCase();
  if (!/^(\*\.)?[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/.test(value) || value.startsWith('.') || value.includes('..')) {
    throw new Error(`ChatModule: notifications.webPush.allowedHosts: "${host}" is not a host name (example: push.example.com, *.example.com, push.example.com:8443)`);
  }
  return value;
}

function fcmSettings(options: NonNullable<ChatModuleOptions['notifications']>['fcm'] & object): FcmSettings {
  if (options.serviceAccount && options.serviceAccountFile) throw new Error('ChatModule: notifications.fcm: give serviceAccount or serviceAccountFile, not both');
  let raw: unknown = options.serviceAccount;
  let source = 'notifications.fcm.serviceAccount';
  if (options.serviceAccountFile) {
    source = `the FCM service account file ${options.serviceAccountFile}`;
    try {
      raw = readFileSync(options.serviceAccountFile, 'utf8');
    } catch (error) {
      throw new Error(`ChatModule: cannot read ${source}: ${(error as Error).message}`);
    }
  }
  if (raw === undefined) throw new Error('ChatModule: notifications.fcm needs serviceAccount or serviceAccountFile');
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      throw new Error(`ChatModule: ${source} is not JSON (expected a Google service account key)`);
    }
  }
  const account = (raw ?? {}) as Partial<FcmServiceAccount>;
  for (const field of ['project_id', 'client_email', 'private_key'] as const) {
    if (typeof account[field] !== 'string' || !account[field]) throw new Error(`ChatModule: ${source} lacks "${field}" (expected a Google service account key)`);
  }
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(account.private_key!)) throw new Error(`ChatModule: ${source}: "private_key" is not a PEM private key`);
  const tokenUri = account.token_uri ?? DEFAULT_FCM_TOKEN_URI;
  checkHttpUrl(tokenUri, `${source}: "token_uri"`);
  const apiUrl = (options.apiUrl ?? DEFAULT_FCM_API_URL).replace(/\/+$/, '');
  checkHttpUrl(apiUrl, 'notifications.fcm.apiUrl (FCM_API_URL)');
  return {
    serviceAccount: { project_id: account.project_id!, client_email: account.client_email!, private_key: account.private_key!, token_uri: tokenUri },
    apiUrl,
  };
}

function webPushSettings(options: NonNullable<ChatModuleOptions['notifications']>['webPush'] & object): WebPushSettings | null {
  const { vapidPublicKey, vapidPrivateKey, subject } = options;
  if (!vapidPublicKey && !vapidPrivateKey && !subject) return null;
  if (!vapidPublicKey || !vapidPrivateKey || !subject) {
    throw new Error('ChatModule: notifications.webPush needs vapidPublicKey, vapidPrivateKey and subject together (WEBPUSH_VAPID_PUBLIC_KEY, WEBPUSH_VAPID_PRIVATE_KEY, WEBPUSH_SUBJECT)');
  }
  if (base64UrlLength(vapidPublicKey) !== 65 || !Buffer.from(vapidPublicKey, 'base64url').subarray(0, 1).equals(Buffer.from([4]))) {
    throw new Error('ChatModule: notifications.webPush.vapidPublicKey must be the base64url of an uncompressed P-256 public key (65 bytes)');
  }
  if (base64UrlLength(vapidPrivateKey) !== 32) throw new Error('ChatModule: notifications.webPush.vapidPrivateKey must be the base64url of a 32-byte P-256 private key');
  if (!/^mailto:[^\s@]+@[^\s@]+$/.test(subject)) {
    try {
      if (new URL(subject).protocol !== 'https:') throw new Error();
    } catch {
      throw new Error('ChatModule: notifications.webPush.subject must be a mailto: address or an https: URL');
    }
  }
  return { vapidPublicKey, vapidPrivateKey, subject };
}

function webhookSettings(options: NonNullable<NonNullable<ChatModuleOptions['notifications']>['webhook']>): WebhookSettings {
  checkHttpUrl(options.url, 'notifications.webhook.url (WEBHOOK_URL)');
  // Any non-empty secret (API.md sets no length); a short one is the host's choice, warned about at start-up.
  if (typeof options.secret !== 'string' || options.secret.length === 0) {
    throw new Error('ChatModule: notifications.webhook.secret (WEBHOOK_SECRET) must be given: webhooks are always signed');
  }
  let events: Set<string> | null = null;
  if (options.events && options.events.length) {
    events = new Set(options.events.map((event) => String(event).trim()).filter(Boolean));
    const unknown = [...events].filter((event) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(event));
    if (unknown.length) throw new Error(`ChatModule: notifications.webhook.events (WEBHOOK_EVENTS): unknown event ${unknown.join(', ')} (known: ${WEBHOOK_EVENT_TYPES.join(', ')})`);
  }
  return { url: options.url, secret: options.secret, events };
}

function checkHttpUrl(value: unknown, what: string): void {
  let url: URL | null = null;
  try {
    url = new URL(String(value));
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    throw new Error(`ChatModule: ${what} must be an http(s) URL without credentials`);
  }
}

function base64UrlLength(value: string): number {
  return /^[A-Za-z0-9_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64url').length : -1;
}

/**
 * Checks `notifications` options as the module will at start-up, and throws the same message naming the option
 * (for a host that reads them from its environment and wants to refuse to start before anything else).
 */
export function validateNotificationsOptions(notifications: ChatNotificationsOptions | undefined): void {
  new NotificationsConfig({ notifications } as ChatModuleOptions);
}
