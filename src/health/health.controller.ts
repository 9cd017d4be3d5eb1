import { Controller, Get, HttpStatus, Inject, Res, type OnModuleDestroy } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { DatabaseProbe, type PoolUsage } from '../database/database-probe';
import type { RedisConnectionMonitor } from '@parley/chat';
import { REDIS_CLIENT, REDIS_MONITOR, type RedisClient } from '../redis/redis.module';
import { LoadMonitor } from './load-monitor';

const CHECK_TIMEOUT_MS = 1500;
/** Readiness says `overloaded` past these: the event loop this late (p99 of ~10 s), or this many requests per pooled connection waiting. */
const OVERLOADED_LOOP_DELAY_MS = 500;
const OVERLOADED_WAITING_PER_CONNECTION = 4;

/** `GET /health/ready`: whether this node should get traffic, and why not. */
export interface ReadinessReport {
  /** `ok`; `degraded` (Redis away: served, fan-out to other nodes paused); `overloaded` (served, slowly); `unavailable` (no database); `shutting_down`. */
  status: 'ok' | 'degraded' | 'overloaded' | 'unavailable' | 'shutting_down';
  database: 'up' | 'down';
  redis: 'up' | 'down' | 'not_configured';
  load: { eventLoopDelayMs: { p99: number; max: number }; databasePool: PoolUsage | null };
}

/**
 * Three checks. `/health/live` (liveness) answers 200 as long as the process serves HTTP, whatever its
 * dependencies: restarting a node because its database or Redis is away, or because it is busy, never helps.
 * `/health/ready` (readiness) answers 503 only when the node cannot do its work (no database) or is shutting down;
 * Redis away (`degraded`) and load (`overloaded`, with the figures in `load`) are reported with 200, so that a load
 * balancer keeps every node of a cluster under the same storm in rotation. `/health` is the original combined
 * check (database and, when configured, Redis). The database is asked on a connection of its own (DatabaseProbe),
 * never through the pool, so a pool taken by a reconnect storm does not look like a database outage.
 */
@ApiTags('health')
@Controller('health')
export class HealthController implements OnModuleDestroy {
  private closing = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: DatabaseProbe,
    private readonly load: LoadMonitor,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient | null,
    @Inject(REDIS_MONITOR) private readonly redisMonitor: RedisConnectionMonitor,
  ) {}

  /**
   * 200 `{ status: "ok" }` when the database answers, 503 otherwise. With Redis configured, `info.redis.connection`
   * says whether it is `ready` or `unavailable` (and `since` when): it never fails the check.
   */
  @Get()
  @HealthCheck()
  @ApiOperation({ operationId: 'health' })
  check() {
    const checks: Array<() => PromiseLike<HealthIndicatorResult>> = [
      () =>
        this.indicators
          .check('database')
          .attempt(async () => {
            if (!(await this.database.up())) throw new Error('The database did not answer');
          })
          .withTimeout(CHECK_TIMEOUT_MS + 500),
    ];
    // Redis is reported, never a reason to fail: a node without Redis keeps serving HTTP and its own sockets
    // (events for other nodes, shared presence and rate limits wait for it), so it stays in rotation.
    if (this.redis) checks.push(() => Promise.resolve(this.redisIndicator()));
    return this.health.check(checks);
  }

  /** `redis: { status: "up", connection: "ready" }`, or `connection: "unavailable"` with `since` during an outage. */
  private redisIndicator(): HealthIndicatorResult {
    const since = this.redisMonitor.unavailableSince;
    const indicator = this.indicators.check('redis');
    return this.redisMonitor.up ? indicator.up({ connection: 'ready' }) : indicator.up({ connection: 'unavailable', ...(since !== null && { since: new Date(since).toISOString() }) });
  }

  /** Liveness: 200 while the process answers HTTP; nothing else is asked. */
  @Get('live')
  @ApiOperation({ operationId: 'healthLive', summary: 'Liveness: the process answers (no dependency is checked)' })
  @ApiResponse({ status: 200, description: '`{ status: "ok", uptimeSeconds }`' })
  live(): { status: 'ok'; uptimeSeconds: number } {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  /** Readiness: 503 without a database or while shutting down; 200 otherwise, with Redis and load reported. */
  @Get('ready')
  @ApiOperation({ operationId: 'healthReady', summary: 'Readiness: 503 when the database is away or the node is shutting down' })
  @ApiResponse({ status: 200, description: '`{ status: "ok" | "degraded" | "overloaded", database, redis, load }`' })
  @ApiResponse({ status: 503, description: '`{ status: "unavailable" | "shutting_down", database, redis, load }`' })
  async ready(@Res({ passthrough: true }) response: Response): Promise<ReadinessReport> {
    const databaseUp = await this.database.up();
    const redis = this.redisState();
    const pool = this.database.pool();
    const eventLoopDelayMs = this.load.eventLoopDelayMs();
    const overloaded = eventLoopDelayMs.p99 >= OVERLOADED_LOOP_DELAY_MS || (pool !== null && pool.waiting > pool.size * OVERLOADED_WAITING_PER_CONNECTION);
    const status: ReadinessReport['status'] = this.closing
      ? 'shutting_down'
      : !databaseUp
        ? 'unavailable'
        : overloaded
          ? 'overloaded'
          : redis === 'down'
            ? 'degraded'
            : 'ok';
    if (status === 'unavailable' || status === 'shutting_down') response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status, database: databaseUp ? 'up' : 'down', redis, load: { eventLoopDelayMs, databasePool: pool } };
  }

  /** The application is closing: readiness fails from now on, so load balancers stop sending new work. */
  onModuleDestroy(): void {
    this.closing = true;
  }

  /** Redis as the connection monitor sees it (no command is sent: a ping would wait for a reconnecting client). */
  private redisState(): ReadinessReport['redis'] {
    if (!this.redis) return 'not_configured';
    return this.redisMonitor.up ? 'up' : 'down';
  }
}
