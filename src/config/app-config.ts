import { resolve } from 'node:path';

/** The standalone server's configuration, read once from the environment (the library never reads it). */
export interface AppConfig {
  port: number;
  host: string;
  /** PostgreSQL URL; undefined runs the embedded database in `dataDir`. */
  databaseUrl?: string;
  /** Redis URL; undefined keeps fan-out and presence in this process. */
  redisUrl?: string;
  /** Embedded database and uploaded files. `memory://` keeps the embedded database in memory (tests). */
  dataDir: string;
  jwt: { secret?: string; publicKey?: string; jwksUri?: string; issuer?: string; audience?: string };
  /** True when no secret or key was configured and the development secret is in use. */
  usingDevelopmentSecret: boolean;
  /** Lifetime of tokens issued by the local accounts, in seconds. */
  tokenTtlSeconds: number;
  /** Allowed browser origins; empty: same origin only. `*` allows any. */
  corsOrigins: string[];
  logLevel: string;
  /** Requests per minute and client address on the account routes (register, log in). */
  authRateLimit: number;
  /** Keep the original body of deleted messages in the database (never served). */
  retainDeletedMessages: boolean;
  /** The emoji reactions may use; empty: any single emoji or `:name:`. */
  allowedReactions: string[];
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
}

/** Used when no JWT_SECRET is set so that `npm start` works out of the box; logged loudly at start-up. */
export const DEVELOPMENT_JWT_SECRET = 'parley-development-secret-do-not-use-in-production';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const tokenTtlSeconds = positiveInteger(env.TOKEN_TTL_SECONDS, 3600, 'TOKEN_TTL_SECONDS');
  const publicKey = env.JWT_PUBLIC_KEY?.replace(/\\n/g, '\n') || undefined;
  const jwksUri = env.JWT_JWKS_URI || undefined;
  const usingDevelopmentSecret = !env.JWT_SECRET && !publicKey && !jwksUri;
  return {
    port,
    host: env.HOST || '0.0.0.0',
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    dataDir: env.DATA_DIR === 'memory://' ? 'memory://' : resolve(env.DATA_DIR || './data'),
    jwt: {
      secret: env.JWT_SECRET || (usingDevelopmentSecret ? DEVELOPMENT_JWT_SECRET : undefined),
      publicKey,
      jwksUri,
      issuer: env.JWT_ISSUER || undefined,
      audience: env.JWT_AUDIENCE || undefined,
    },
    usingDevelopmentSecret,
    tokenTtlSeconds,
    corsOrigins: list(env.CORS_ORIGINS),
    logLevel: env.LOG_LEVEL || 'info',
    authRateLimit: positiveInteger(env.AUTH_RATE_LIMIT, 30, 'AUTH_RATE_LIMIT'),
    retainDeletedMessages: boolean(env.RETAIN_DELETED_MESSAGES, 'RETAIN_DELETED_MESSAGES'),
    allowedReactions: list(env.ALLOWED_REACTIONS),
    images: {
      maxUploadBytes: positiveInteger(env.IMAGE_MAX_UPLOAD_BYTES, 10 * 1024 * 1024, 'IMAGE_MAX_UPLOAD_BYTES'),
      maxPixels: positiveInteger(env.IMAGE_MAX_PIXELS, 40_000_000, 'IMAGE_MAX_PIXELS'),
    },
    socketTransports: transports(env.SOCKET_TRANSPORTS),
    presenceExpirySeconds: positiveInteger(env.PRESENCE_EXPIRY_SECONDS, 15, 'PRESENCE_EXPIRY_SECONDS'),
    socketEventsPerSecond: positiveInteger(env.SOCKET_EVENTS_PER_SECOND, 20, 'SOCKET_EVENTS_PER_SECOND'),
    typingTimeoutMs: positiveInteger(env.TYPING_TIMEOUT_MS, 6000, 'TYPING_TIMEOUT_MS'),
  };
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
