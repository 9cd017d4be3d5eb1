import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { RedisConnectionMonitor } from '@parley/chat';
import { createClient, type RedisClientType } from 'redis';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
export type RedisClient = RedisClientType;
/** The node's one view of Redis (`RedisConnectionMonitor`): every Redis client of the server reports to it. */
export const REDIS_MONITOR = Symbol('REDIS_MONITOR');

/**
 * Longest a command of the server's client may wait to be sent (node-redis times out only commands not yet written),
 * and how long the monitor's PING may take before Redis counts as unavailable.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;

/** How often the monitor PINGs Redis through the server's client. */
export const REDIS_PING_INTERVAL_MS = 1000;

/** Reconnection delays: 100 ms doubling to 2 s, for ever, so a node is back on Redis within 2 s of its return. */
export const redisReconnectDelay = (retries: number): number => Math.min(100 * 2 ** retries, 2000);

/**
 * The server's Redis connection when REDIS_URL is set (null otherwise), used by presence and the health check and
 * duplicated by the Socket.IO adapter. Redis is never required to start or to serve: the server waits for the first
 * connection attempt only (Redis is there, or it is not), the client reconnects by itself after an outage, and
 * commands fail at once while it is disconnected (no offline queue); the presence store puts a deadline on each of
 * its commands, so no request waits on a Redis that hangs. Outages are logged by the monitor, once each: it watches
 * every Redis client of the server and PINGs through this one, which also finds a Redis that hangs.
 */
@Global()
@Module({
  providers: [
    { provide: REDIS_MONITOR, useFactory: () => new RedisConnectionMonitor(new Logger('Redis')) },
    {
      provide: REDIS_CLIENT,
      inject: [APP_CONFIG, REDIS_MONITOR],
      useFactory: async (config: AppConfig, monitor: RedisConnectionMonitor): Promise<RedisClient | null> => {
        if (!config.redisUrl) return null;
        const client = createClient({
          url: config.redisUrl,
          disableOfflineQueue: true,
          commandOptions: { timeout: REDIS_COMMAND_TIMEOUT_MS },
          socket: { reconnectStrategy: redisReconnectDelay, connectTimeout: 5000 },
        }) as RedisClient;
        // The probe finds a Redis that stopped answering on an open connection (hung, or packets dropped).
        monitor.watch('server client', client, { ping: () => client.ping(), intervalMs: REDIS_PING_INTERVAL_MS, timeoutMs: REDIS_COMMAND_TIMEOUT_MS });
        const firstAttempt = new Promise<void>((resolve) => {
          client.once('ready', resolve);
          client.once('error', () => resolve());
        });
        // Runs until connected; rejects only if the client is closed first (a shutdown during an outage).
        client.connect().catch(() => undefined);
        await firstAttempt;
        return client;
      },
    },
  ],
  exports: [REDIS_CLIENT, REDIS_MONITOR],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS_CLIENT) private readonly client: RedisClient | null,
    @Inject(REDIS_MONITOR) private readonly monitor: RedisConnectionMonitor,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.monitor.closing();
    if (!this.client?.isOpen) return;
    // close() waits for queued commands, which a Redis that is away never answers.
    if (!this.client.isReady) {
      this.client.destroy();
      return;
    }
    await this.client.close();
  }
}
