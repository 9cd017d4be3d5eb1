import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { validateNotificationsOptions, type ChatNotificationsOptions, type ChatRateLimit, type ChatRateLimits } from '@parley/chat';

/** The standalone server's configuration, read once from the environment (the library never reads it). */
export interface AppConfig {
  port: number;
  host: string;
  /** PostgreSQL URL; undefined runs the embedded database in `dataDir`. */
  databaseUrl?: string;
  /** Connections of the PostgreSQL pool (DATABASE_POOL_SIZE, default 10); the message writer keeps one of them. */
  databasePoolSize?: number;
  /**
   * DATABASE_CONNECT_TIMEOUT_MS (default 5000): the longest a request waits for a database connection, new or from the
   * pool, before it is answered 503.
   */
  databaseConnectTimeoutMs?: number;
  /** Redis URL; undefined keeps fan-out and presence in this process. */
  redisUrl?: string;
  /**
   * Prefix of this deployment's Redis keys and channels (REDIS_PREFIX): `<prefix>:socket.io` for the Socket.IO
   * adapter, `<prefix>:presence` for presence. Undefined: `socket.io` and `parley:presence`.
   */
  redisPrefix?: string;
  /** Embedded database and uploaded files. `memory://` keeps the embedded database in memory (tests). */
  dataDir: string;
  /** `maxAgeSeconds`: longest token life accepted (JWT_MAX_AGE_SECONDS); tokens without `exp` are refused then. */
  jwt: { secret?: string; publicKey?: string; jwksUri?: string; issuer?: string; audience?: string; maxAgeSeconds?: number };
  /** True when no secret or key was configured and the development secret is in use. */
  usingDevelopmentSecret: boolean;
  /** Lifetime of tokens issued by the local accounts, in seconds. */
  tokenTtlSeconds: number;
  /**
   * Lifetime of a refresh token of the local accounts, in seconds (REFRESH_TOKEN_TTL_SECONDS, default 30 days); each
   * refresh issues the next token with this lifetime again, so a session lasts while it is used.
   */
  refreshTokenTtlSeconds: number;
  /**
   * Lifetime of guest tokens (`POST /api/v1/auth/guest`), in seconds (GUEST_TOKEN_TTL_SECONDS, default a day, or
   * JWT_MAX_AGE_SECONDS when that is shorter).
   */
  guestTokenTtlSeconds: number;
  /**
   * Room members must be known users (KNOWN_USERS_ONLY): local accounts, or users who have signed in to the chat
   * before. Others are 404 USER_NOT_FOUND. False: any user id is accepted.
   */
  knownUsersOnly: boolean;
  /** Allowed browser origins; empty: same origin only. `*` allows any. */
  corsOrigins: string[];
  logLevel: string;
  /** Requests per minute and client address on the account routes (register, log in). */
  authRateLimit: number;
  /**
   * Per-user limits of the chat (RATE_LIMIT_MESSAGES, RATE_LIMIT_ROOMS, RATE_LIMIT_MEMBER_ADDS, RATE_LIMIT_UPLOADS,
   * RATE_LIMIT_REACTIONS as `<burst>:<per second>`, MAX_SOCKETS_PER_USER; `off` lifts one, RATE_LIMITS=off all).
   * Unset fields keep the library's defaults (DEFAULT_CHAT_RATE_LIMITS).
   */
  rateLimits: Partial<ChatRateLimits>;
  /** User ids (tokens' `sub`) no per-user limit applies to: bots, bridges (RATE_LIMIT_EXEMPT_USERS). */
  rateLimitExemptUsers: string[];
  /** Usernames of the local accounts that are chat administrators (`/admin`), compared without regard to case (ADMIN_USERNAMES). */
  adminUsernames: string[];
  /** Most members a room may be created with in one request, its creator included (MAX_INITIAL_MEMBERS, at most 500). */
  maxInitialMembers: number;
  /**
   * Express's `trust proxy` (TRUST_PROXY): false (the default: the client address is the connection's), true (the
   * left-most X-Forwarded-For entry), a number of proxy hops, or the addresses/subnets of trusted proxies.
   */
  trustProxy: boolean | number | string;
  /** Keep the original body of deleted messages in the database (never served). */
  retainDeletedMessages: boolean;
  /** The emoji reactions may use; empty: any single emoji or `:name:`. */
  allowedReactions: string[];
  /** SYSTEM_MESSAGES (default true): membership and room changes appear in group rooms' histories. */
  systemMessages: boolean;
  /** Image upload limits; the files themselves go to `dataDir/uploads` (in memory with `memory://`). */
  images: { maxUploadBytes: number; maxPixels: number };
  /** Socket.IO transports accepted. */
  socketTransports: Array<'websocket' | 'polling'>;
  /** With Redis: a node silent this long is dead and its users go offline. */
  presenceExpirySeconds: number;
  /** Client events per second and socket before 429 acks. */
  socketEventsPerSecond: number;
  /** How long a typing state lasts without a repeat. */
  typingTimeoutMs: number;
  /**
   * SHUTDOWN_TIMEOUT_MS: the longest a shutdown (SIGTERM, SIGINT) waits for in-flight work (socket events, message
   * writes, HTTP requests); then the remaining connections are cut and the process exits within a second more.
   */
  shutdownTimeoutMs: number;
  /** SOCKET_MAX_BUFFERED_BYTES: bytes waiting to be written to a socket before it is dropped (0: no limit). */
  socketMaxBufferedBytes: number;
  /** METRICS_TOKEN: when set, `GET /metrics` needs `Authorization: Bearer <token>`; unset, it is open. */
  metricsToken?: string;
  /**
   * Push notifications and webhooks (FCM_SERVICE_ACCOUNT_FILE, FCM_API_URL, WEBPUSH_VAPID_PUBLIC_KEY,
   * WEBPUSH_VAPID_PRIVATE_KEY, WEBPUSH_SUBJECT, WEBPUSH_ALLOWED_HOSTS, WEBHOOK_URL, WEBHOOK_SECRET, WEBHOOK_EVENTS,
   * NOTIFICATIONS_REQUEST_TIMEOUT_MS, NOTIFICATIONS_CONCURRENCY). None set: nothing is sent and nothing is queued.
   */
  notifications: ChatNotificationsOptions;
}

/** Guest tokens live a day by default: long enough for a visit, short enough that an abandoned one lapses. */
const DEFAULT_GUEST_TOKEN_TTL_SECONDS = 24 * 60 * 60;

/** A month: a demo user who comes back within it is still signed in. */
const DEFAULT_REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;

/** Used when no JWT_SECRET is set so that `npm start` works out of the box; logged loudly at start-up. */
export const DEVELOPMENT_JWT_SECRET = 'parley-development-secret-do-not-use-in-production';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const tokenTtlSeconds = positiveInteger(env.TOKEN_TTL_SECONDS, 3600, 'TOKEN_TTL_SECONDS');
  const publicKey = env.JWT_PUBLIC_KEY?.replace(/\\n/g, '\n') || undefined;
  const jwksUri = env.JWT_JWKS_URI || undefined;
  const usingDevelopmentSecret = !env.JWT_SECRET && !publicKey && !jwksUri;
  const jwtMaxAgeSeconds = env.JWT_MAX_AGE_SECONDS ? positiveInteger(env.JWT_MAX_AGE_SECONDS, 0, 'JWT_MAX_AGE_SECONDS') : undefined;
  if (jwtMaxAgeSeconds !== undefined && !publicKey && !jwksUri && tokenTtlSeconds > jwtMaxAgeSeconds) {
    throw new Error(`TOKEN_TTL_SECONDS (${tokenTtlSeconds}) is longer than JWT_MAX_AGE_SECONDS (${jwtMaxAgeSeconds}): the tokens of the local accounts would be refused`);
  }
  const guestTokenTtlSeconds = positiveInteger(env.GUEST_TOKEN_TTL_SECONDS, Math.min(DEFAULT_GUEST_TOKEN_TTL_SECONDS, jwtMaxAgeSeconds ?? Infinity), 'GUEST_TOKEN_TTL_SECONDS');
  if (jwtMaxAgeSeconds !== undefined && !publicKey && !jwksUri && guestTokenTtlSeconds > jwtMaxAgeSeconds) {
    throw new Error(`GUEST_TOKEN_TTL_SECONDS (${guestTokenTtlSeconds}) is longer than JWT_MAX_AGE_SECONDS (${jwtMaxAgeSeconds}): guest tokens would be refused`);
  }
  const redisPrefix = env.REDIS_PREFIX?.trim() || undefined;
  if (redisPrefix !== undefined && !/^[\w.:-]{1,64}$/.test(redisPrefix)) {
    throw new Error(`REDIS_PREFIX may hold letters, digits and _ . : - (64 at most), got "${env.REDIS_PREFIX}"`);
  }
  return {
    port,
    host: env.HOST || '0.0.0.0',
    databaseUrl: env.DATABASE_URL || undefined,
    databasePoolSize: env.DATABASE_POOL_SIZE ? positiveInteger(env.DATABASE_POOL_SIZE, 10, 'DATABASE_POOL_SIZE') : undefined,
    databaseConnectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS ? positiveInteger(env.DATABASE_CONNECT_TIMEOUT_MS, 5000, 'DATABASE_CONNECT_TIMEOUT_MS') : undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix,
    dataDir: env.DATA_DIR === 'memory://' ? 'memory://' : resolve(env.DATA_DIR || './data'),
    jwt: {
      secret: env.JWT_SECRET || (usingDevelopmentSecret ? DEVELOPMENT_JWT_SECRET : undefined),
      publicKey,
      jwksUri,
      issuer: env.JWT_ISSUER || undefined,
      audience: env.JWT_AUDIENCE || undefined,
      maxAgeSeconds: jwtMaxAgeSeconds,
    },
    usingDevelopmentSecret,
    tokenTtlSeconds,
    refreshTokenTtlSeconds: positiveInteger(env.REFRESH_TOKEN_TTL_SECONDS, DEFAULT_REFRESH_TOKEN_TTL_SECONDS, 'REFRESH_TOKEN_TTL_SECONDS'),
    guestTokenTtlSeconds,
    knownUsersOnly: boolean(env.KNOWN_USERS_ONLY, 'KNOWN_USERS_ONLY'),
    corsOrigins: list(env.CORS_ORIGINS),
    logLevel: env.LOG_LEVEL || 'info',
    authRateLimit: positiveInteger(env.AUTH_RATE_LIMIT, 30, 'AUTH_RATE_LIMIT'),
    rateLimits: rateLimits(env),
    rateLimitExemptUsers: list(env.RATE_LIMIT_EXEMPT_USERS),
    adminUsernames: list(env.ADMIN_USERNAMES),
    maxInitialMembers: atMost(positiveInteger(env.MAX_INITIAL_MEMBERS, 500, 'MAX_INITIAL_MEMBERS'), 500, 'MAX_INITIAL_MEMBERS'),
    trustProxy: trustProxy(env.TRUST_PROXY),
    retainDeletedMessages: boolean(env.RETAIN_DELETED_MESSAGES, 'RETAIN_DELETED_MESSAGES'),
    allowedReactions: list(env.ALLOWED_REACTIONS),
    systemMessages: env.SYSTEM_MESSAGES === undefined || env.SYSTEM_MESSAGES === '' ? true : boolean(env.SYSTEM_MESSAGES, 'SYSTEM_MESSAGES'),
    images: {
      maxUploadBytes: positiveInteger(env.IMAGE_MAX_UPLOAD_BYTES, 10 * 1024 * 1024, 'IMAGE_MAX_UPLOAD_BYTES'),
      maxPixels: positiveInteger(env.IMAGE_MAX_PIXELS, 40_000_000, 'IMAGE_MAX_PIXELS'),
    },
    socketTransports: transports(env.SOCKET_TRANSPORTS),
    presenceExpirySeconds: positiveInteger(env.PRESENCE_EXPIRY_SECONDS, 15, 'PRESENCE_EXPIRY_SECONDS'),
    socketEventsPerSecond: positiveInteger(env.SOCKET_EVENTS_PER_SECOND, 20, 'SOCKET_EVENTS_PER_SECOND'),
    typingTimeoutMs: positiveInteger(env.TYPING_TIMEOUT_MS, 6000, 'TYPING_TIMEOUT_MS'),
    shutdownTimeoutMs: positiveInteger(env.SHUTDOWN_TIMEOUT_MS, 10_000, 'SHUTDOWN_TIMEOUT_MS'),
    socketMaxBufferedBytes: env.SOCKET_MAX_BUFFERED_BYTES?.trim() === '0' ? 0 : positiveInteger(env.SOCKET_MAX_BUFFERED_BYTES, 1024 * 1024, 'SOCKET_MAX_BUFFERED_BYTES'),
    metricsToken: env.METRICS_TOKEN || undefined,
    notifications: notifications(env),
  };
}

/**
 * The `notifications` options from the environment, checked now (the same checks as the module's), so that a bad value
 * stops the server before it starts, with a message naming the variable.
 */
function notifications(env: NodeJS.ProcessEnv): ChatNotificationsOptions {
  const value = (name: string) => env[name]?.trim() || undefined;
  const options: ChatNotificationsOptions = {};
  const serviceAccountFile = value('FCM_SERVICE_ACCOUNT_FILE');
  if (serviceAccountFile) options.fcm = { serviceAccountFile: resolve(serviceAccountFile), apiUrl: value('FCM_API_URL') };
  else if (value('FCM_API_URL')) throw new Error('FCM_API_URL is set but FCM_SERVICE_ACCOUNT_FILE is not: FCM needs the service account key');
  const allowedHosts = list(env.WEBPUSH_ALLOWED_HOSTS);
  const vapid = { vapidPublicKey: value('WEBPUSH_VAPID_PUBLIC_KEY'), vapidPrivateKey: value('WEBPUSH_VAPID_PRIVATE_KEY'), subject: value('WEBPUSH_SUBJECT') };
  if (vapid.vapidPublicKey || vapid.vapidPrivateKey || vapid.subject || allowedHosts.length) options.webPush = { ...vapid, allowedHosts };
  const webhookUrl = value('WEBHOOK_URL');
  if (webhookUrl) {
    const secret = value('WEBHOOK_SECRET');
    if (!secret) throw new Error('WEBHOOK_URL is set but WEBHOOK_SECRET is not: webhooks are always signed (use a long random secret)');
    const events = list(env.WEBHOOK_EVENTS);
    options.webhook = { url: webhookUrl, secret, ...(events.length > 0 && { events }) };
  } else if (value('WEBHOOK_SECRET') || value('WEBHOOK_EVENTS')) {
    throw new Error('WEBHOOK_SECRET or WEBHOOK_EVENTS is set but WEBHOOK_URL is not');
  }
  options.delivery = {
    requestTimeoutMs: env.NOTIFICATIONS_REQUEST_TIMEOUT_MS ? positiveInteger(env.NOTIFICATIONS_REQUEST_TIMEOUT_MS, 10_000, 'NOTIFICATIONS_REQUEST_TIMEOUT_MS') : undefined,
    concurrency: env.NOTIFICATIONS_CONCURRENCY ? positiveInteger(env.NOTIFICATIONS_CONCURRENCY, 16, 'NOTIFICATIONS_CONCURRENCY') : undefined,
  };
  try {
    validateNotificationsOptions(options);
  } catch (error) {
    throw new Error((error as Error).message.replace(/^ChatModule: /, 'Notifications configuration: '));
  }
  return options;
}

function positiveInteger(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return value;
}

function boolean(raw: string | undefined, name: string): boolean {
  if (raw === undefined || raw === '') return false;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function transports(raw: string | undefined): Array<'websocket' | 'polling'> {
  const values = list(raw ?? 'websocket,polling');
  const invalid = values.filter((value) => value !== 'websocket' && value !== 'polling');
  if (values.length === 0 || invalid.length > 0) throw new Error(`SOCKET_TRANSPORTS must list websocket and/or polling, got "${raw}"`);
  return values as Array<'websocket' | 'polling'>;
}

function atMost(value: number, max: number, name: string): number {
  if (value > max) throw new Error(`${name} must be at most ${max}, got ${value}`);
  return value;
}

/** The chat's per-user limits from RATE_LIMIT_*; unset ones keep the library's defaults. RATE_LIMITS=off lifts all. */
function rateLimits(env: NodeJS.ProcessEnv): Partial<ChatRateLimits> {
  const switched = env.RATE_LIMITS?.trim() || 'on';
  if (!/^(on|off|true|false|1|0|yes|no)$/i.test(switched)) throw new Error(`RATE_LIMITS must be on or off, got "${env.RATE_LIMITS}"`);
  if (/^(off|false|0|no)$/i.test(switched)) return { messages: false, rooms: false, memberAdds: false, uploads: false, reactions: false, socketsPerUser: false };
  const sockets = env.MAX_SOCKETS_PER_USER?.trim();
  const limits: Partial<ChatRateLimits> = {
    messages: rate(env.RATE_LIMIT_MESSAGES, 'RATE_LIMIT_MESSAGES'),
    rooms: rate(env.RATE_LIMIT_ROOMS, 'RATE_LIMIT_ROOMS'),
    memberAdds: rate(env.RATE_LIMIT_MEMBER_ADDS, 'RATE_LIMIT_MEMBER_ADDS'),
    uploads: rate(env.RATE_LIMIT_UPLOADS, 'RATE_LIMIT_UPLOADS'),
    reactions: rate(env.RATE_LIMIT_REACTIONS, 'RATE_LIMIT_REACTIONS'),
    socketsPerUser: !sockets ? undefined : /^off$/i.test(sockets) ? false : positiveInteger(sockets, 0, 'MAX_SOCKETS_PER_USER'),
  };
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}

/** `<burst>:<per second>` (`20:5`: 20 at once, 5 a second on average; the rate may be a fraction) or `off`. */
function rate(raw: string | undefined, name: string): ChatRateLimit | false | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  if (/^off$/i.test(value)) return false;
  const match = /^(\d+)\s*:\s*(\d+(?:\.\d+)?|\.\d+)$/.exec(value);
  const burst = Number(match?.[1]);
  const perSecond = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(burst) || burst < 1 || !(perSecond > 0)) {
    throw new Error(`${name} must be <burst>:<per second> (such as 20:5) or off, got "${raw}"`);
  }
  return { burst, perSecond };
}

/**
 * TRUST_PROXY as Express takes it: true/false, a number of hops, or a comma list of addresses, subnets
 * (`10.0.0.0/8`, `fd00::/8`, `10.0.0.0/255.0.0.0`) and the names `loopback`, `linklocal`, `uniquelocal`.
 */
function trustProxy(raw: string | undefined): boolean | number | string {
  const value = raw?.trim() ?? '';
  if (value === '' || /^false$/i.test(value)) return false;
  if (/^true$/i.test(value)) return true;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = list(value);
  const valid = (entry: string): boolean => {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
    const [address, range, ...rest] = entry.split('/');
    if (rest.length > 0 || !isIP(address)) return false;
    if (range === undefined) return true;
    if (/^\d+$/.test(range)) return Number(range) <= (isIP(address) === 4 ? 32 : 128);
    return isIP(address) === 4 && isIP(range) === 4;
  };
  const invalid = entries.filter((entry) => !valid(entry));
  if (entries.length === 0 || invalid.length > 0) {
    throw new Error(`TRUST_PROXY must be true, false, a number of hops or a comma list of addresses and subnets, got "${raw}" (not understood: ${invalid.join(', ')})`);
  }
  return entries.join(',');
}
