import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis.module';

/** The counters pg's Pool and the embedded driver's one-session pool (src/database/pglite-driver.ts) both keep. */
interface PoolCounters {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

/**
 * Process-wide metrics (prom-client's default set: CPU, memory, heap, GC, handles, event-loop delay), collected
 * once per process and shared by every app in it (tests create many): they describe the process, not the app.
 */
let processRegistry: Registry | undefined;
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    // Event-loop delay: nodejs_eventloop_lag_seconds (sampled) and nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds.
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 10 });
  }
  return processRegistry;
}

/**
 * The standalone server's registry: the library's instruments (given to ChatModule as `metrics.registry`) plus the
 * database pool and Redis, read when Prometheus scrapes.
 */
@Injectable()
export class ServerMetrics {
  readonly registry = new Registry();

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(REDIS_CLIENT) redis: RedisClient | null,
  ) {
    const registers = [this.registry];
    const pool = (): PoolCounters | undefined => (dataSource.driver as unknown as { master?: PoolCounters }).master;
    const embedded = dataSource.options.type === 'postgres' && 'driver' in dataSource.options && dataSource.options.driver !== undefined;
    const poolGauge = (name: string, help: string, read: (pool: PoolCounters) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const current = pool();
          if (current) this.set(read(current));
        },
      });
    poolGauge('parley_db_pool_max', 'Most connections the database pool opens (1 for the embedded database, whose one session is lent to one transaction at a time)', (p) =>
      embedded ? 1 : (p.options?.max ?? 10),
    );
    poolGauge('parley_db_pool_connections', 'Connections the database pool holds open (the embedded database: 1 once its session is open)', (p) => p.totalCount);
    poolGauge('parley_db_pool_idle', 'Open connections of the pool that no query runner holds', (p) => p.idleCount);
    poolGauge('parley_db_pool_waiting', "Requests waiting for a connection of the pool (the embedded database: transactions queued for its session)", (p) => p.waitingCount);
    if (redis) {
      new Gauge({
        name: 'parley_redis_up',
        help: "1 while this node's Redis connection is ready, 0 while it is away (reconnecting)",
        registers,
        collect() {
          this.set(redis.isReady ? 1 : 0);
        },
      });
    }
  }

  /** The Prometheus text exposition of the process and of this app. */
  async text(): Promise<string> {
    const [processText, appText] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return `${processText.trimEnd()}\n${appText}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
