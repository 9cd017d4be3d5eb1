import { join } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatModule, RedisPresenceStore } from '@parley/chat';
import { LoggerModule } from 'nestjs-pino';
import { AccountsModule } from './accounts/accounts.module';
import { loadConfig, type AppConfig } from './config/app-config';
import { APP_CONFIG, AppConfigModule } from './config/config.module';
import { databaseOptions } from './database/database-options';
import { DemoModule } from './demo/demo.module';
import { HealthModule } from './health/health.module';
import { REDIS_CLIENT, RedisModule, type RedisClient } from './redis/redis.module';

/** The standalone server: the chat library plus what a deployment needs around it. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig = loadConfig()): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            // Tokens must never reach the logs.
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            autoLogging: { ignore: (request) => request.url === '/health' },
          },
        }),
        TypeOrmModule.forRootAsync({ useFactory: () => databaseOptions(config) }),
        ThrottlerModule.forRoot([{ ttl: 60_000, limit: config.authRateLimit }]),
        RedisModule,
        HealthModule,
        AccountsModule,
        ChatModule.forRootAsync({
          inject: [APP_CONFIG, REDIS_CLIENT],
          useFactory: (appConfig: AppConfig, redis: RedisClient | null) => ({
            jwt: appConfig.jwt,
            realtime: { allowedOrigins: appConfig.corsOrigins, eventsPerSecond: appConfig.socketEventsPerSecond, typingTimeoutMs: appConfig.typingTimeoutMs },
            presence: redis ? { store: presenceStore(redis, appConfig.presenceExpirySeconds) } : {},
            messages: { retainDeletedContent: appConfig.retainDeletedMessages, allowedReactions: appConfig.allowedReactions },
            // With an in-memory database the images stay in memory too (no directory): nothing survives a restart.
            images: { ...appConfig.images, directory: appConfig.dataDir === 'memory://' ? undefined : join(appConfig.dataDir, 'uploads') },
          }),
        }),
        DemoModule.forRoot(),
      ],
    };
  }
}

/** Presence shared through Redis; a node silent for `expirySeconds` is dead (heartbeats three times as often). */
function presenceStore(redis: RedisClient, expirySeconds: number): RedisPresenceStore {
  return new RedisPresenceStore(redis, { expiryMs: expirySeconds * 1000, heartbeatMs: Math.max(250, (expirySeconds * 1000) / 3) });
}
