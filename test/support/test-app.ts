import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/bootstrap';
import { loadConfig, type AppConfig } from '../../src/config/app-config';

export const TEST_JWT_SECRET = 'parley-test-secret';

/** The two databases every end-to-end suite runs against. */
export type DatabaseKind = 'postgres' | 'embedded';
export const DATABASES: DatabaseKind[] = ['postgres', 'embedded'];

export function testConfig(kind: DatabaseKind, overrides: Partial<AppConfig> = {}): AppConfig {
  const databaseUrl = process.env.PARLEY_TEST_DATABASE_URL;
  if (kind === 'postgres' && !databaseUrl) throw new Error('PARLEY_TEST_DATABASE_URL is not set: run the tests through jest (its global setup creates the database)');
  return {
    ...loadConfig({ JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: process.env.PARLEY_TEST_LOG_LEVEL ?? 'silent', AUTH_RATE_LIMIT: '100000', RATE_LIMITS: 'off', DATA_DIR: 'memory://' }),
    databaseUrl: kind === 'postgres' ? databaseUrl : undefined,
    ...overrides,
  };
}

export interface TestApp {
  app: INestApplication;
  /** Base URL of the listening server (sockets need a real port). */
  url: string;
  http: () => TestAgent;
  /** A new user with a unique id, and their token. */
  user: (name?: string) => TestUser;
  close: () => Promise<void>;
}

export interface TestUser {
  id: string;
  name: string;
  token: string;
  auth: { Authorization: string };
}

const jwt = new JwtService({ secret: TEST_JWT_SECRET });

export function tokenFor(userId: string, name?: string, options: { expiresIn?: number; secret?: string } = {}): string {
  return jwt.sign({ sub: userId, ...(name && { name }) }, { expiresIn: options.expiresIn ?? 3600, secret: options.secret ?? TEST_JWT_SECRET });
}

export async function startTestApp(kind: DatabaseKind, overrides: Partial<AppConfig> = {}): Promise<TestApp> {
  const app = await createApp(testConfig(kind, overrides));
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer();
  const { port } = server.address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    http: () => request(server),
    user: (name = 'User') => {
      const id = `u-${randomUUID()}`;
      const token = tokenFor(id, name);
      return { id, name, token, auth: { Authorization: `Bearer ${token}` } };
    },
    close: () => app.close(),
  };
}
