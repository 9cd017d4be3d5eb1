import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { resolve } from 'node:path';
import { register } from 'tsconfig-paths';
import { DataSource } from 'typeorm';
import { POSTGRES_ADMIN_URL, REDIS_URL, databaseUrl, requireService } from './services';

/**
 * Once per test run: checks that PostgreSQL and Redis answer, creates this run's own database and migrates it,
 * so test files running in parallel never migrate concurrently and runs never see each other's data.
 */
export default async function globalSetup(): Promise<void> {
  await requireService('PostgreSQL', POSTGRES_ADMIN_URL);
  await requireService('Redis', REDIS_URL);
  const name = `parley_test_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(name);
  // Jest's moduleNameMapper does not apply to the global setup: resolve the library's path alias here.
  register({ baseUrl: resolve(__dirname, '../..'), paths: { '@parley/chat': ['libs/chat/src'] } });
  const { databaseOptions } = require('../../src/database/database-options') as typeof import('../../src/database/database-options');
  const dataSource = new DataSource(databaseOptions({ databaseUrl: url, dataDir: 'memory://' }) as ConstructorParameters<typeof DataSource>[0]);
  await dataSource.initialize();
  await dataSource.destroy();
  process.env.PARLEY_TEST_DATABASE = name;
  process.env.PARLEY_TEST_DATABASE_URL = url;
  process.env.PARLEY_TEST_REDIS_URL = REDIS_URL;
}
