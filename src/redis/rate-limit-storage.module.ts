import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { RedisConnectionMonitor } from '@parley/chat';
import Redis from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { REDIS_MONITOR, redisReconnectDelay } from './redis.module';

/** The storage of the chat's per-user limits: shared through Redis when REDIS_URL is set, else null (memory). */
export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

/** What the module keeps to close at shutdown. */
const RATE_LIMIT_REDIS = Symbol('RATE_LIMIT_REDIS');

/**
 * `@nest-lab/throttler-storage-redis` (the @nestjs/throttler maintainer's Redis storage: one Lua script per hit) on
 * an ioredis connection of its own (that storage speaks ioredis; the rest of the server uses node-redis). Commands
 * fail at once while Redis is unreachable (no offline queue, one retry), so the library's fallback counts in
 * memory instead of making requests wait; the client connects in the background (the server starts without Redis)
 * and reconnects by itself, with backoff. Its outages are reported by the node's Redis monitor, once each.
 */
@Global()
@Module({
  providers: [
    {
      provide: RATE_LIMIT_REDIS,
      inject: [APP_CONFIG, REDIS_MONITOR],
      useFactory: (config: AppConfig, monitor: RedisConnectionMonitor): Redis | null => {
        if (!config.redisUrl) return null;
        const client = new Redis(config.redisUrl, {
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 5000,
          retryStrategy: redisReconnectDelay,
        });
        monitor.watch('rate-limit client', client);
        // Rejects when the first attempt fails; ioredis keeps retrying (retryStrategy) all the same.
        client.connect().catch(() => undefined);
        return client;
      },
    },
    {
      provide: RATE_LIMIT_STORAGE,
      inject: [RATE_LIMIT_REDIS],
      useFactory: (client: Redis | null): ThrottlerStorage | null => (client ? new ThrottlerStorageRedisService(client) : null),
    },
  ],
  exports: [RATE_LIMIT_STORAGE],
})
export class RateLimitStorageModule implements OnApplicationShutdown {
  constructor(@Inject(RATE_LIMIT_REDIS) private readonly client: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    if (this.client.status !== 'ready') return this.client.disconnect();
    await this.client.quit().catch(() => this.client?.disconnect());
  }
}
