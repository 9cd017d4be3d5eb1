import { join } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { ThrottlerModule, type ThrottlerStorage } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatModule, RedisPresenceStore, type ChatPrincipal, type ChatRateLimits } from '@parley/chat';
import { LoggerModule } from 'nestjs-pino';
import { stdSerializers } from 'pino';
import { AccountAdmins } from './accounts/account-admins';
import { AccountDirectory } from './accounts/account-directory';
import { AccountsModule } from './accounts/accounts.module';
import { loadConfig, type AppConfig } from './config/app-config';
import { APP_CONFIG, AppConfigModule } from './config/config.module';
import { databaseOptions } from './database/database-options';
import { DemoModule } from './demo/demo.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { ServerMetrics } from './metrics/server-metrics';
import { redactRequestUrl } from './logging/redact-request-url';
import { redisKeyPrefixes } from './redis/redis-keys';
import { RATE_LIMIT_STORAGE, RateLimitStorageModule } from './redis/rate-limit-storage.module';
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
            redact: ['req.headers.authorization', 'req.headers.cookie', 'err.query', 'err.parameters', 'err.driverError'],
            // Query strings can carry tokens too (Socket.IO's polling transport, links shared with a token).
            // A 5xx answer without an exception (a 503 during an outage) gets pino-http's stand-in error: no stack for it.
            serializers: { req: redactRequestUrl, err: (error: Error) => (/^failed with status code \d+$/.test(error?.message ?? '') ? { message: error.message } : stdSerializers.err(error)) },
            // Probes and scrapes come every few seconds: not worth a log line each.
            autoLogging: { ignore: (request) => request.url?.split('?')[0].startsWith('/health') || request.url?.split('?')[0] === '/metrics' },
          },
        }),
        TypeOrmModule.forRootAsync({ useFactory: () => databaseOptions(config) }),
        ThrottlerModule.forRoot([{ ttl: 60_000, limit: config.authRateLimit }]),
        RedisModule,
        RateLimitStorageModule,
        HealthModule,
        MetricsModule,
        AccountsModule,
        ChatModule.forRootAsync({
          imports: [AccountsModule, MetricsModule],
          inject: [APP_CONFIG, REDIS_CLIENT, AccountDirectory, RATE_LIMIT_STORAGE, ServerMetrics, AccountAdmins],
          useFactory: (appConfig: AppConfig, redis: RedisClient | null, accounts: AccountDirectory, rateLimitStorage: ThrottlerStorage | null, serverMetrics: ServerMetrics, admins: AccountAdmins) => ({
            jwt: appConfig.jwt,
            // KNOWN_USERS_ONLY: members must be local accounts or users the chat has seen (else 404 USER_NOT_FOUND).
            ...(appConfig.knownUsersOnly && { resolveUsers: (ids: string[]) => accounts.profiles(ids) }),
            // ADMIN_USERNAMES: these local accounts administer the chat (`/admin`), looked up at each request.
            ...(appConfig.adminUsernames.length > 0 && { isAdmin: (principal: ChatPrincipal) => admins.isAdmin(principal) }),
            realtime: {
              allowedOrigins: appConfig.corsOrigins,
              eventsPerSecond: appConfig.socketEventsPerSecond,
              typingTimeoutMs: appConfig.typingTimeoutMs,
              maxBufferedBytes: appConfig.socketMaxBufferedBytes,
            },
            shutdownTimeoutMs: appConfig.shutdownTimeoutMs,
            presence: redis ? { store: presenceStore(redis, appConfig.presenceExpirySeconds, redisKeyPrefixes(appConfig.redisPrefix).presence) } : {},
            messages: { retainDeletedContent: appConfig.retainDeletedMessages, allowedReactions: appConfig.allowedReactions },
            systemMessages: appConfig.systemMessages,
            // With an in-memory database the images stay in memory too (no directory): nothing survives a restart.
            images: { ...appConfig.images, directory: appConfig.dataDir === 'memory://' ? undefined : join(appConfig.dataDir, 'uploads') },
            limits: { maxInitialMembers: appConfig.maxInitialMembers },
            // Per-user limits, counted in Redis when it is configured (shared by every node).
            rateLimits: { ...appConfig.rateLimits, storage: rateLimitStorage ?? undefined, keyPrefix: `${redisKeyPrefixes(appConfig.redisPrefix).base}:rate` },
            ...(appConfig.rateLimitExemptUsers.length > 0 && { rateLimitsFor: exemptFromRateLimits(appConfig.rateLimitExemptUsers) }),
            // The chat's instruments go on the server's registry: GET /metrics shows them with the pool's and Redis's.
            metrics: { registry: serverMetrics.registry },
            // FCM, Web Push and webhooks (FCM_*, WEBPUSH_*, WEBHOOK_*); none set: nothing is sent or queued.
            notifications: appConfig.notifications,
          }),
        }),
        DemoModule.forRoot(),
      ],
    };
  }
}

/** Presence shared through Redis; a node silent for `expirySeconds` is dead (heartbeats three times as often). */
function presenceStore(redis: RedisClient, expirySeconds: number, keyPrefix: string): RedisPresenceStore {
  return new RedisPresenceStore(redis, { expiryMs: expirySeconds * 1000, heartbeatMs: Math.max(250, (expirySeconds * 1000) / 3), keyPrefix });
}

/** RATE_LIMIT_EXEMPT_USERS: these users (bots, bridges) have no per-user limit. */
function exemptFromRateLimits(userIds: string[]): (principal: ChatPrincipal) => Partial<ChatRateLimits> | undefined {
  const exempt = new Set(userIds);
  const none: ChatRateLimits = { messages: false, rooms: false, memberAdds: false, uploads: false, reactions: false, socketsPerUser: false };
  return (principal) => (exempt.has(principal.userId) ? none : undefined);
}
