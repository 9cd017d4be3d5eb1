import type { ChatPrincipal } from './auth/chat-principal';
import type { PresenceStore } from './presence/presence-store';
import type { ChatStorageDriver } from './images/storage/chat-storage-driver';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Registry } from 'prom-client';
import type { NotificationDriver } from './notifications/notification-driver';

/**
 * How the module verifies bearer tokens (passport strategy `parley-jwt`, and sockets) when no `authenticate` function
 * is given. Give one key source: `secret`, `publicKey` or `jwksUri` (a public key or JWKS wins over a secret).
 */
export interface ChatJwtOptions {
  /** HS256 shared secret. */
  secret?: string;
  /** PEM public key (RS256/ES256/PS256...), for tokens minted by an external identity provider. */
  publicKey?: string;
  /**
   * URL of an identity provider's JSON Web Key Set (`https://idp.example/.well-known/jwks.json`), instead of a fixed
   * `publicKey`: each token is verified with the key its header's `kid` names, so the provider can rotate keys.
   * Keys are fetched on first sight of a `kid` and cached for 10 minutes; the set is fetched at most 10 times a
   * minute (unknown `kid`s answer 401 without more fetches past that). Use https.
   */
  jwksUri?: string;
  /** Expected `iss` claim, when set. */
  issuer?: string;
  /** Expected `aud` claim, when set. */
  audience?: string;
  /**
   * Accepted algorithms. Default: `['HS256']` with a secret, the RS/PS/ES family with a public key or JWKS. `none` is
   * never accepted, and a public key or JWKS never accepts HS* (so a public key can never serve as an HMAC secret).
   */
  algorithms?: string[];
  /**
   * Longest life a token may have, in seconds: tokens without `exp`, or whose `exp - iat` or remaining life is longer,
   * are refused (401), so a socket (which lives until its token expires) never outlives the access it was opened
   * with by more. Unset: any `exp`, or none, is accepted.
   */
  maxAgeSeconds?: number;
}

/** Sizes the module enforces. Every field has a default (see `DEFAULT_CHAT_LIMITS`). */
export interface ChatLimits {
  /** Default page size of every list. */
  defaultPageSize: number;
  /** Largest page a client may ask for. */
  maxPageSize: number;
  /** Most members a room may be created with in one request. */
  maxInitialMembers: number;
  /** Longest message body, in characters. */
  maxMessageLength: number;
  /** Most users one user may block (`PUT /blocks/{userId}` beyond it: 409). */
  maxBlocksPerUser: number;
}

export const DEFAULT_CHAT_LIMITS: ChatLimits = {
  defaultPageSize: 50,
  maxPageSize: 100,
  maxInitialMembers: 500,
  maxMessageLength: 4000,
  maxBlocksPerUser: 1000,
};

/**
 * Options of `ChatModule.forRoot` / `forRootAsync`.
 *
 * Either `jwt` or `authenticate` must be given: the module never reads the environment itself.
 */
export interface ChatModuleOptions {
  /** Token verification with a secret or a public key. */
  jwt?: ChatJwtOptions;
  /**
   * Replaces JWT verification: receives the raw bearer token and returns the caller, or null to refuse it.
   * Throwing also refuses the token.
   */
  authenticate?: (token: string) => Promise<ChatPrincipal | null> | ChatPrincipal | null;
  /**
   * Names (and avatars) of users from the host's own user store, for member lists and direct-room titles. Called
   * with the ids a response needs; users it leaves out keep the name their last token carried. Results are cached
   * for `resolveUsersCacheMs` (default 60 s).
   */
  resolveUsers?: (userIds: string[]) => Promise<ChatUserProfile[]> | ChatUserProfile[];
  resolveUsersCacheMs?: number;
  /**
   * The host's own access policy, asked after the module's rules allowed: return false to deny. A denied room looks
   * like a missing one (404), in lists too. Sockets take a changed answer into account when they next connect.
   */
  canAccessRoom?: (context: RoomAccessContext) => Promise<boolean> | boolean;
  /**
   * Whether a caller is a server administrator (the `/admin` routes), for callers whose token does not say so itself
   * (JWT claim `chatAdmin: true`, or `admin: true` from `authenticate`). Asked at every `/admin` request, so taking
   * the right away needs no new token; keep it cheap. Throwing denies (and is logged). Everybody else gets 404 there.
   */
  isAdmin?: (principal: ChatPrincipal) => Promise<boolean> | boolean;
  /**
   * Called before a message is stored (HTTP and socket alike): return `{ reject: reason }` to refuse it (403 with
   * the reason), `{ body }` to store another text instead, or nothing to let it through.
   */
  beforeMessageSend?: (context: MessageSendContext) => Promise<MessageSendDecision> | MessageSendDecision;
  /** Limits; unset fields keep their defaults. */
  limits?: Partial<ChatLimits>;
  /** Message behaviour. */
  messages?: ChatMessageOptions;
  /**
   * Write membership and room changes (joined, left, added, removed, banned, renamed, created) into group rooms'
   * histories as system messages (`type: "system"`). Default true; false writes none.
   */
  systemMessages?: boolean;
  /** Where online state is kept. Default: in this process (one node); use `RedisPresenceStore` for many. */
  presence?: { store?: PresenceStore };
  /** The Socket.IO gateway. */
  realtime?: ChatRealtimeOptions;
  /** Image uploads: size and pixel limits, thumbnails, the folder of the default storage. */
  images?: ChatImageOptions;
  /**
   * Where image bytes are kept. Default: the local folder `images.directory`, or process memory when no folder is
   * given. Implement `ChatStorageDriver` to keep them elsewhere, such as an S3-style object store.
   */
  storage?: ChatStorageDriver;
  /**
   * Per-user rate limits on writes and the most sockets one user may hold (see `ChatRateLimitOptions`). Every limit
   * has a default that a person never meets; `false` turns one off.
   */
  rateLimits?: ChatRateLimitOptions;
  /**
   * Other limits for some callers (a bot, an import job): return the fields to change for this principal (the others
   * keep the module's values), `false` in a field to lift that limit, or nothing. Asked on every limited action, so
   * keep it cheap (no I/O, or cache).
   */
  rateLimitsFor?: (principal: ChatPrincipal) => Partial<ChatRateLimits> | null | undefined | Promise<Partial<ChatRateLimits> | null | undefined>;
  /**
   * Prometheus metrics (prom-client): the registry the module's instruments go on (see `ChatMetrics`). Default: a
   * registry of the module's own, `ChatMetrics.registry`, which the host serves (`GET /metrics`) or merges.
   */
  metrics?: ChatMetricsOptions;
  /**
   * Graceful shutdown (`app.close()`, or a signal with `app.enableShutdownHooks()`): the longest the module waits for
   * the socket events and message writes in flight to finish, with their events and acknowledgements sent, before it
   * closes its sockets anyway. New socket events and handshakes are refused at once (503 `SHUTTING_DOWN`,
   * `retryAfterSeconds`), new sends (HTTP) once the socket events in flight are done; queued sends are written. The
   * host's HTTP server (keep-alive connections) is the host's to close. Default 10000.
   */
  shutdownTimeoutMs?: number;
  /**
   * Push notifications (FCM, Web Push), webhooks to the host and the host's own notifiers. With none of `fcm`,
   * `webPush` (with its keys), `webhook` or `drivers` given, nothing is sent and nothing is queued.
   */
  notifications?: ChatNotificationsOptions;
}

/** `shutdownTimeoutMs` when it is not given. */
export const DEFAULT_CHAT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** `metrics`: where the module's Prometheus instruments are registered. */
export interface ChatMetricsOptions {
  /** A prom-client `Registry` (the host's own, or prom-client's global `register`). Default: a new one. */
  registry?: Registry;
  /** Prefix of the metric names. Default `parley_`. */
  prefix?: string;
}

/**
 * A per-user rate: up to `burst` actions at once, and `perSecond` on average over time. Counted in fixed windows of
 * `burst / perSecond` seconds (20 and 5: 20 actions per 4 s window), so a caller who keeps under `perSecond` never
 * meets it; one who has used up a window waits until it ends (`Retry-After`).
 */
export interface ChatRateLimit {
  /** Most actions in one window. A positive whole number. */
  burst: number;
  /** Average actions per second allowed; the window lasts `burst / perSecond` seconds. May be below 1. */
  perSecond: number;
}

/** The writes limited per user. */
export type ChatRateLimitKind = 'messages' | 'rooms' | 'memberAdds' | 'uploads' | 'reactions';

/** Per-user limits; `false` turns one off. */
export interface ChatRateLimits {
  /** Message sends, HTTP and socket together, across all of the user's sockets (and nodes, with a shared storage). */
  messages: ChatRateLimit | false;
  /** Room creation (`POST /rooms`, direct rooms included). */
  rooms: ChatRateLimit | false;
  /** Members added to rooms (`POST /rooms/{id}/members`) and public rooms joined. */
  memberAdds: ChatRateLimit | false;
  /** Image uploads. */
  uploads: ChatRateLimit | false;
  /** Reactions put or removed. */
  reactions: ChatRateLimit | false;
  /** Most sockets one user may have open at once (on all nodes, with a presence store that counts them). */
  socketsPerUser: number | false;
}

export const DEFAULT_CHAT_RATE_LIMITS: ChatRateLimits = {
  messages: { burst: 20, perSecond: 5 },
  rooms: { burst: 10, perSecond: 0.2 },
  memberAdds: { burst: 50, perSecond: 1 },
  uploads: { burst: 20, perSecond: 0.5 },
  reactions: { burst: 30, perSecond: 2 },
  socketsPerUser: 20,
};

/** `rateLimits`: the limits (unset fields keep their defaults) and where hits are counted. */
export interface ChatRateLimitOptions extends Partial<ChatRateLimits> {
  /**
   * Where hits are counted: any `@nestjs/throttler` storage. Default: this process's memory (one node). Give a shared
   * one for many nodes, such as `new ThrottlerStorageRedisService(ioredis)` of `@nest-lab/throttler-storage-redis`.
   * When it fails or takes longer than `storageTimeoutMs`, hits are counted in this process's memory until it
   * answers again (logged once per outage), so a Redis outage neither fails requests nor lifts the limits.
   */
  storage?: ThrottlerStorage;
  /** How long to wait for `storage` before counting in memory. Default 500 ms. */
  storageTimeoutMs?: number;
  /** Prefix of the storage keys, so deployments sharing one Redis do not share counts. Default `parley:rate`. */
  keyPrefix?: string;
}

export interface ChatMessageOptions {
  /**
   * Keep the original body of deleted messages in the database (for message-retention laws). It is never served
   * either way: a deleted message is a tombstone with an empty body. Default false: the body is erased.
   */
  retainDeletedContent?: boolean;
  /**
   * The emoji a reaction may use. Empty or unset: any single emoji (one grapheme) or a short `:name:` code.
   */
  allowedReactions?: string[];
  /**
   * How long a write waits for a room that another transaction holds (another node's write of it, a long
   * transaction), in ms, before it writes the rest of its batch without that room and retries the room's sends
   * with backoff. Bounds what a locked room costs the other rooms. Default 100.
   */
  roomLockWaitMs?: number;
  /**
   * How long a send may wait for a busy room (see `roomLockWaitMs`) before it is answered 503 `ROOM_BUSY` (with
   * `retryAfterSeconds`; nothing written). Default 3000.
   */
  roomBusyTimeoutMs?: number;
  /**
   * Give the message writer a connection of its own, taken from the DataSource's pool and kept, so that sends never
   * wait behind other work for a connection (a reconnect storm's handshakes and syncs). Default: on when the pool has
   * at least 4 connections (node-postgres' `max`, TypeORM's `poolSize`; 10 unless set), off otherwise (a
   * one-connection pool such as an embedded database's).
   */
  dedicatedConnection?: boolean;
}

/** `messages.roomLockWaitMs` and `messages.roomBusyTimeoutMs` when they are not given. */
export const DEFAULT_ROOM_LOCK_WAIT_MS = 100;
export const DEFAULT_ROOM_BUSY_TIMEOUT_MS = 3000;

/** Image uploads. Every field has a default (see `DEFAULT_CHAT_IMAGE_OPTIONS`). */
export interface ChatImageOptions {
  /** Largest upload in bytes, enforced while the upload streams in (413). Default 10 MiB (10 485 760). */
  maxUploadBytes?: number;
  /**
   * Most pixels an image may have (width × height × frames), read from its header before anything is decoded, so
   * that a small file that decodes to gigabytes is refused cheaply (413). Default 40 000 000.
   */
  maxPixels?: number;
  /** Longest side of the WebP thumbnail made at upload, in pixels; smaller images are not enlarged. Default 320. */
  thumbnailSize?: number;
  /** Most images one message may carry. Default 10. */
  maxImagesPerMessage?: number;
  /**
   * Folder of the built-in local storage driver (created when missing). Unset and no `storage` option: the bytes
   * are kept in process memory and lost on restart, which suits tests and in-memory deployments only.
   */
  directory?: string;
}

export const DEFAULT_CHAT_IMAGE_OPTIONS = {
  maxUploadBytes: 10 * 1024 * 1024,
  maxPixels: 40_000_000,
  thumbnailSize: 320,
  maxImagesPerMessage: 10,
} as const satisfies ChatImageOptions;

/** The route prefix and other options that shape the module itself, fixed when the module is defined. */
export interface ChatModuleExtras {
  /** Where the chat routes are mounted. Default `api/v1/chat`. */
  path: string;
}

export const DEFAULT_CHAT_PATH = 'api/v1/chat';

export interface ChatRealtimeOptions {
  /**
   * Browser origins allowed to open a socket besides the server's own (the handshake's Origin header, checked like
   * CORS checks the HTTP API): unset or empty, only pages of the server's own origin (the Origin's host equals the
   * Host the handshake was sent to); `['*']`, any; else the listed ones. Clients that send no Origin (not browsers)
   * are not affected. Give the same list as your HTTP CORS.
   */
  allowedOrigins?: string[];
  /** Client events one socket may send per second before it gets 429 acks. Default 20 (bursts up to 40). */
  eventsPerSecond?: number;
  /**
   * How long a typing state lasts without a repeat, in ms. Default 6000. Clients should repeat `typing` every
   * few seconds while the user types, and expire a received state after this long.
   */
  typingTimeoutMs?: number;
  /**
   * Most bytes a socket may have waiting to be written (the WebSocket's send buffer plus Socket.IO's queue of packets
   * not yet handed to it), checked every second: a client that stops reading (a frozen tab, a dead network) is sent
   * `session.closing { reason: 'slow_consumer' }` and dropped, so it holds no more than this in memory, and catches
   * up with `changes?since=` when it reconnects. Default 1 MiB (1048576); `0` turns the check off.
   */
  maxBufferedBytes?: number;
  /**
   * Most socket handshakes (token, chat profile, room subscriptions) run at once on this node, and half as many
   * presence updates; the others wait in line, so a reconnect storm cannot take every connection of the database
   * pool. Default 4.
   */
  handshakeConcurrency?: number;
  /**
   * Most handshakes waiting in line; beyond, a connection is refused with `connect_error` 503 `SERVER_BUSY`
   * (`data.retryAfterSeconds`), and the client connects again after that. Default 2000.
   */
  handshakeQueue?: number;
}

/** `realtime.handshakeConcurrency` and `realtime.handshakeQueue` when they are not given. */
export const DEFAULT_HANDSHAKE_CONCURRENCY = 4;
export const DEFAULT_HANDSHAKE_QUEUE = 2000;

/** `realtime.maxBufferedBytes` when it is not given. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

/** A user as the host knows them. */
export interface ChatUserProfile {
  id: string;
  name?: string | null;
  avatarUrl?: string | null;
}

/** What `canAccessRoom` is asked about. */
export interface RoomAccessContext {
  userId: string;
  roomId: string;
  room: { type: 'direct' | 'group'; isPublic: boolean; creatorId: string };
  /** The user's role in the room; null when they are not a member (a public room seen from outside). */
  role: 'owner' | 'admin' | 'member' | null;
}

/** What `beforeMessageSend` is asked about. */
export interface MessageSendContext {
  userId: string;
  roomId: string;
  /** The trimmed text ('' for an images-only message). */
  body: string;
  parentId: string | null;
  imageIds: string[];
}

export type MessageSendDecision = { reject: string } | { body: string } | void | undefined;

/**
 * `notifications`: where pushes and webhooks go. Work is written to the database (`chat_outbox`, in the message's own
 * transaction) and delivered by every node in the background, at least once, never on the send path.
 */
export interface ChatNotificationsOptions {
  /** Firebase Cloud Messaging (HTTP v1 API). */
  fcm?: ChatFcmOptions;
  /** Web Push (VAPID, aes128gcm) to browsers' push services. */
  webPush?: ChatWebPushOptions;
  /** Every domain event and `notification`, POSTed as signed JSON to the host's endpoint. */
  webhook?: ChatWebhookOptions;
  /** The host's in-process notifiers (APNs, e-mail...), called for each member who would get a push. */
  drivers?: NotificationDriver[];
  /** Retries and pacing of the delivery workers; every field has a default. */
  delivery?: ChatNotificationDeliveryOptions;
}

/** A Google service account's JSON key (the fields used; the rest is ignored). */
export interface FcmServiceAccount {
  project_id: string;
  client_email: string;
  /** PEM private key (RS256), used to sign the OAuth2 JWT-bearer assertion. */
  private_key: string;
  /** The OAuth2 token endpoint. Default `https://oauth2.googleapis.com/token`. */
  token_uri?: string;
}

export interface ChatFcmOptions {
  /** The service account key: its parsed JSON (or the JSON text). Give this or `serviceAccountFile`. */
  serviceAccount?: FcmServiceAccount | string;
  /** Path of the service account's JSON key file, read once at start-up. */
  serviceAccountFile?: string;
  /** Base URL of the FCM API. Default `https://fcm.googleapis.com`. */
  apiUrl?: string;
}

export interface ChatWebPushOptions {
  /** VAPID public key: base64url of the uncompressed P-256 point (65 bytes), as `web-push generate-vapid-keys` prints. */
  vapidPublicKey?: string;
  /** VAPID private key: base64url of the 32-byte P-256 scalar. */
  vapidPrivateKey?: string;
  /** VAPID subject: a `mailto:` address or an `https:` URL where the push service can reach the operator. */
  subject?: string;
  /**
   * Hosts a subscription endpoint may point at, besides the browsers' push services (fcm.googleapis.com,
   * updates.push.services.mozilla.com, *.notify.windows.com, web.push.apple.com). `*.example.com` matches any
   * subdomain; `host:port` one port only, a host without a port any port (the browsers' push services: 443 only).
   * Endpoints must be https: the server never posts to an address a client chose.
   */
  allowedHosts?: string[];
}

export interface ChatWebhookOptions {
  /** The host's endpoint (https recommended). */
  url: string;
  /** HMAC-SHA256 key of the `Parley-Signature` header: any non-empty string (a long random one; shorter than 16 characters is warned about). */
  secret: string;
  /** Only these event types are sent (e.g. `['notification', 'message.created']`). Default: all. */
  events?: string[];
}

export interface ChatNotificationDeliveryOptions {
  /** Wait before the first retry of a failed delivery, in ms; each further retry waits twice as long. Default 2000. */
  firstRetryMs?: number;
  /** Longest wait between two retries, in ms. Default 600000 (10 minutes). */
  maxRetryMs?: number;
  /** A delivery still failing this long after it was queued is dropped (logged). Default 3600000 (1 hour). */
  giveUpAfterMs?: number;
  /** How often each node looks for work queued by other nodes (or left by a node that died), in ms. Default 1000. */
  pollIntervalMs?: number;
  /** Most deliveries one node sends at once. Default 16. */
  concurrency?: number;
  /** Timeout of one HTTP request to a provider or webhook, in ms. Default 10000. */
  requestTimeoutMs?: number;
}
