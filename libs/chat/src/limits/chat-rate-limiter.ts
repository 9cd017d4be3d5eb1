import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import type { ChatPrincipal } from '../auth/chat-principal';
import {
  DEFAULT_CHAT_RATE_LIMITS,
  type ChatRateLimit,
  type ChatRateLimitKind,
  type ChatRateLimits,
} from '../chat.options';
import { ChatConfig } from '../common/chat-config';
import { FallbackThrottlerStorage } from './fallback-throttler-storage';
import { RateLimitedError } from './rate-limited.error';

const DEFAULT_STORAGE_TIMEOUT_MS = 500;
const DEFAULT_KEY_PREFIX = 'parley:rate';

/** The first words of a refusal, per kind. */
const REFUSAL: Record<ChatRateLimitKind, string> = {
  messages: 'Too many messages',
  rooms: 'Too many rooms created',
  memberAdds: 'Too many members added',
  uploads: 'Too many uploads',
  reactions: 'Too many reactions',
};

/** What is left of a caller's window after a counted action (for the `X-RateLimit-*` headers). */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Seconds until the window starts again. */
  resetSeconds: number;
}

/**
 * The per-user limits, one service for HTTP (`ChatRateLimitGuard`) and sockets (`SocketRateLimiter`), so a user's
 * HTTP and socket sends, on any of their sockets, count against one bucket per kind. Hits are counted by a
 * `@nestjs/throttler` storage: its in-memory one by default, or the host's shared one (Redis) behind a fallback to
 * memory when it fails. Each kind is a fixed window of `burst / perSecond` seconds holding `burst` hits (see
 * `ChatRateLimit`); the key is the kind and a hash of the user id under `keyPrefix`.
 */
@Injectable()
export class ChatRateLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger('ChatRateLimiter');
  private readonly limits: ChatRateLimits;
  private readonly memory = new ThrottlerStorageService();
  private readonly storage: ThrottlerStorage;
  private readonly prefix: string;
  private readonly limitsFor?: (principal: ChatPrincipal) => unknown;

  constructor(config: ChatConfig) {
    const { storage, storageTimeoutMs, keyPrefix, ...limits } = config.options.rateLimits ?? {};
    this.limits = { ...DEFAULT_CHAT_RATE_LIMITS };
    for (const [kind, value] of Object.entries(limits) as Array<[keyof ChatRateLimits, unknown]>) {
      if (value === undefined) continue;
      if (!(kind in DEFAULT_CHAT_RATE_LIMITS)) throw new Error(`ChatModule: rateLimits.${kind} is not a limit`);
      const problem = invalidLimit(kind, value);
      if (problem) throw new Error(`ChatModule: rateLimits.${kind} ${problem}`);
      (this.limits as unknown as Record<string, unknown>)[kind] = value;
    }
    const timeoutMs = storageTimeoutMs ?? DEFAULT_STORAGE_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw new Error('ChatModule: rateLimits.storageTimeoutMs must be positive');
    this.storage = storage ? new FallbackThrottlerStorage(storage, this.memory, timeoutMs) : this.memory;
    this.prefix = keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.limitsFor = config.options.rateLimitsFor;
  }

  /**
   * Counts one action of `kind` by the caller: resolves with what is left (null when the caller has no such limit),
   * or throws `RateLimitedError` (429 `RATE_LIMITED`, `retryAfterSeconds`) when the window is used up.
   */
  async consume(principal: ChatPrincipal, kind: ChatRateLimitKind): Promise<RateLimitState | null> {
    const rate = (await this.limitsOf(principal))[kind];
    if (!rate) return null;
    const windowMs = Math.max(1, Math.ceil((rate.burst / rate.perSecond) * 1000));
    const record = await this.storage.increment(this.key(kind, principal.userId), windowMs, rate.burst, windowMs, kind);
    if (record.isBlocked) throw new RateLimitedError(REFUSAL[kind], Math.max(1, Math.ceil(record.timeToBlockExpire)));
    return { limit: rate.burst, remaining: Math.max(0, rate.burst - record.totalHits), resetSeconds: Math.max(0, record.timeToExpire) };
  }

  /** The most sockets this caller may hold at once; null: no limit. */
  async socketsPerUser(principal: ChatPrincipal): Promise<number | null> {
    return (await this.limitsOf(principal)).socketsPerUser || null;
  }

  onApplicationShutdown(): void {
    this.memory.onApplicationShutdown();
  }

  /** The module's limits, with the host's `rateLimitsFor` answer for this caller on top (invalid fields ignored). */
  private async limitsOf(principal: ChatPrincipal): Promise<ChatRateLimits> {
    if (!this.limitsFor) return this.limits;
    let special: unknown;
    try {
      special = await this.limitsFor(principal);
    } catch (error) {
      this.logger.warn(`rateLimitsFor failed, the module's limits apply: ${error instanceof Error ? error.message : String(error)}`);
      return this.limits;
    }
    if (!special || typeof special !== 'object') return this.limits;
    const merged = { ...this.limits };
    for (const kind of Object.keys(DEFAULT_CHAT_RATE_LIMITS) as Array<keyof ChatRateLimits>) {
      const value = (special as Record<string, unknown>)[kind];
      if (value === undefined) continue;
      const problem = invalidLimit(kind, value);
      if (problem) this.logger.warn(`rateLimitsFor: ${kind} ${problem}; the module's limit applies`);
      else (merged as unknown as Record<string, unknown>)[kind] = value;
    }
    return merged;
  }

  private key(kind: ChatRateLimitKind, userId: string): string {
    return `${this.prefix}:${kind}:${createHash('sha256').update(userId).digest('base64url')}`;
  }
}

/** Why a limit's value is not valid, or null when it is. */
function invalidLimit(kind: keyof ChatRateLimits, value: unknown): string | null {
  if (value === false) return null;
  if (kind === 'socketsPerUser') return Number.isSafeInteger(value) && (value as number) > 0 ? null : 'must be a positive whole number or false';
  const rate = value as Partial<ChatRateLimit> | null;
  if (typeof rate !== 'object' || rate === null) return 'must be { burst, perSecond } or false';
  if (!Number.isSafeInteger(rate.burst) || (rate.burst as number) < 1) return 'burst must be a positive whole number';
  if (typeof rate.perSecond !== 'number' || !Number.isFinite(rate.perSecond) || rate.perSecond <= 0) return 'perSecond must be a positive number';
  return null;
}
