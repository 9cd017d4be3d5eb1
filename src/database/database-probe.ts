import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { databaseOutage, isDatabaseUnavailable } from '@parley/chat';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/** How long a probe may take before the database counts as down. */
export const PROBE_TIMEOUT_MS = 1500;

/** The pool's counters (node-postgres' `totalCount`, `idleCount`, `waitingCount`). */
export interface PoolUsage {
  size: number;
  total: number;
  idle: number;
  waiting: number;
}

/**
 * Whether the database answers, asked on a connection of the probe's own (PostgreSQL), never through the pool:
 * a pool taken by a reconnect storm's handshakes and syncs must not make a healthy database look down, and a
 * readiness check that queues behind them would fail exactly when the node is only busy. The connection is opened
 * on first use and again after a failure; a probe answers within `PROBE_TIMEOUT_MS`. With the embedded database
 * (one in-process session, no network) the probe is a statement on the DataSource.
 *
 * Every answer is reported to the library's `databaseOutage`, so an outage is logged once, with its recovery, even
 * when no request comes in.
 */
@Injectable()
export class DatabaseProbe implements OnApplicationShutdown {
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private closed = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** True when the database answered `SELECT 1` within `PROBE_TIMEOUT_MS`. */
  async up(): Promise<boolean> {
    // The application's own connection to it closed (shutting down): this node cannot use the database.
    if (!this.dataSource.isInitialized) return false;
    try {
      await withTimeout(this.ping(), PROBE_TIMEOUT_MS);
      databaseOutage.succeeded();
      return true;
    } catch (error) {
      this.drop();
      // A probe that timed out says "down" to readiness; only a refused or lost connection starts an outage.
      if (isDatabaseUnavailable(error)) databaseOutage.failed(error);
      return false;
    }
  }

  /** The application pool's usage, or null when it is not node-postgres' (the embedded database). */
  pool(): PoolUsage | null {
    const pool = (this.dataSource.driver as unknown as { master?: { options?: { max?: number }; totalCount?: number; idleCount?: number; waitingCount?: number } }).master;
    if (typeof pool?.options?.max !== 'number') return null;
    return { size: pool.options.max, total: pool.totalCount ?? 0, idle: pool.idleCount ?? 0, waiting: pool.waitingCount ?? 0 };
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async ping(): Promise<void> {
    if (!this.config.databaseUrl) {
      await this.dataSource.query('SELECT 1');
      return;
    }
    const client = await this.connect();
    await client.query('SELECT 1');
  }

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    if (this.closed) return Promise.reject(new Error('The application is shutting down'));
    this.connecting ??= (async () => {
      const client = new Client({ connectionString: this.config.databaseUrl, connectionTimeoutMillis: PROBE_TIMEOUT_MS, application_name: 'parley-health' });
      // A connection lost while idle (the server restarted) is replaced at the next probe.
      client.on('error', () => {
        if (this.client === client) this.client = null;
      });
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      this.client = client;
      return client;
    })().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private drop(): void {
    const client = this.client;
    this.client = null;
    void client?.end().catch(() => undefined);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
