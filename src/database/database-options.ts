import { join } from 'node:path';
import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { chatEntities, chatMigrations } from '@parley/chat';
import { AccountEntity } from '../accounts/entities/account.entity';
import { RefreshTokenEntity } from '../accounts/entities/refresh-token.entity';
import type { AppConfig } from '../config/app-config';
import { appMigrations } from './app-migrations';
import { embeddedDataSourceOptions } from './pglite-driver';

/** DATABASE_POOL_SIZE and DATABASE_CONNECT_TIMEOUT_MS when they are not set. */
export const DEFAULT_DATABASE_POOL_SIZE = 10;
export const DEFAULT_DATABASE_CONNECT_TIMEOUT_MS = 5000;

/** The standalone server's own entities, beside the library's. */
export const appEntities = [AccountEntity, RefreshTokenEntity];

/**
 * PostgreSQL when DATABASE_URL is set, the embedded PGlite database in DATA_DIR otherwise. Both run the same
 * migrations at start-up; the schema never changes any other way.
 */
export function databaseOptions(config: Pick<AppConfig, 'databaseUrl' | 'dataDir'> & Partial<Pick<AppConfig, 'databasePoolSize' | 'databaseConnectTimeoutMs'>>): TypeOrmModuleOptions {
  const common = {
    entities: [...chatEntities, ...appEntities],
    migrations: [...chatMigrations, ...appMigrations],
    migrationsRun: true,
    synchronize: false,
    installExtensions: false,
    uuidExtension: 'pgcrypto' as const,
    // A wrong URL should fail the start in seconds, not after @nestjs/typeorm's default 9 retries.
    retryAttempts: 2,
    retryDelay: 1000,
  };
  if (config.databaseUrl) {
    return {
      type: 'postgres',
      url: config.databaseUrl,
      ...common,
      poolSize: config.databasePoolSize ?? DEFAULT_DATABASE_POOL_SIZE,
      // Bounds both a new connection (a database that does not answer) and the wait for a free one of the pool: a
      // request fails with 503 (DATABASE_UNAVAILABLE, or SERVER_BUSY when the database answers) instead of hanging.
      connectTimeoutMS: config.databaseConnectTimeoutMs ?? DEFAULT_DATABASE_CONNECT_TIMEOUT_MS,
      // TCP keep-alive notices a database host that vanished without closing its connections.
      extra: { keepAlive: true },
    };
  }
  const dataDir = config.dataDir === 'memory://' ? undefined : join(config.dataDir, 'db');
  return { ...embeddedDataSourceOptions(dataDir), ...common };
}
