import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createClient, type RedisClientType } from 'redis';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
export type RedisClient = RedisClientType;

/**
 * The server's Redis connection when REDIS_URL is set (null otherwise). The client reconnects by itself with
 * backoff after Redis restarts; errors are logged, never thrown into the process.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<RedisClient | null> => {
        if (!config.redisUrl) return null;
        const logger = new Logger('Redis');
        const client = createClient({
          url: config.redisUrl,
          socket: { reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000), connectTimeout: 5000 },
        }) as RedisClient;
        client.on('error', (error: Error) => logger.warn(`Redis: ${error.message}`));
        await client.connect();
        return client;
      },
    },
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly client: RedisClient | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.client?.isOpen) await this.client.close();
  }
}
