import { Logger } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** After a failure, the shared storage is tried again this long after (meanwhile hits go to memory at once). */
const RETRY_AFTER_FAILURE_MS = 2000;

/**
 * A shared throttler storage (Redis) that never fails a request: when it throws or does not answer within
 * `timeoutMs`, hits are counted in this process's memory (the @nestjs/throttler in-memory storage) until it answers
 * again, so limits still hold per node during an outage. One warning when the outage starts, one line when it ends.
 */
export class FallbackThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('ChatRateLimiter');
  private failingSince: number | null = null;
  private retryAt = 0;

  constructor(
    private readonly shared: ThrottlerStorage,
    private readonly memory: ThrottlerStorageService,
    private readonly timeoutMs: number,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    if (this.failingSince !== null && Date.now() < this.retryAt) return this.memory.increment(key, ttl, limit, blockDuration, throttlerName);
    try {
      const record = await withTimeout(this.shared.increment(key, ttl, limit, blockDuration, throttlerName), this.timeoutMs);
      if (this.failingSince !== null) {
        this.logger.log(`The rate-limit storage answers again after ${Math.round((Date.now() - this.failingSince) / 1000)} s: limits are shared again`);
        this.failingSince = null;
      }
      return record;
    } catch (error) {
      if (this.failingSince === null) {
        this.failingSince = Date.now();
        this.logger.warn(`The rate-limit storage failed (${error instanceof Error ? error.message : String(error)}): counting in this process until it answers again`);
      }
      this.retryAt = Date.now() + RETRY_AFTER_FAILURE_MS;
      return this.memory.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
