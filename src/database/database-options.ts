import { join } from 'node:path';
import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { chatEntities, chatMigrations } from '@parley/chat';
import { AccountEntity } from '../accounts/entities/account.entity';
import type { AppConfig } from '../config/app-config';
import { appMigrations } from './app-migrations';
import { embeddedDataSourceOptions } from './pglite-driver';

/** The standalone server's own entities, beside the library's. */
export const appEntities = [AccountEntity];

/**
 * PostgreSQL when DATABASE_URL is set, the embedded PGlite database in DATA_DIR otherwise. Both run the same
 * migrations at start-up; the schema never changes any other way.
 */
export function databaseOptions(config: Pick<AppConfig, 'databaseUrl' | 'dataDir'>): TypeOrmModuleOptions {
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
  if (config.databaseUrl) return { type: 'postgres', url: config.databaseUrl, ...common };
  const dataDir = config.dataDir === 'memory://' ? undefined : join(config.dataDir, 'db');
  return { ...embeddedDataSourceOptions(dataDir), ...common };
}
