import { Controller, Get, HttpStatus, Inject, Res, type OnModuleDestroy } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { DatabaseProbe } from '../database/database-probe';
import type { RedisConnectionMonitor } from '@parley/chat';
import { REDIS_CLIENT, REDIS_MONITOR, type RedisClient } from '../redis/redis.module';
import { LivenessResponse, ReadinessResponse } from './dto/health.response';
import { LoadMonitor } from './load-monitor';

const CHECK_TIMEOUT_MS = 1500;
/** Readiness says `overloaded` past these: the event loop this late (p99 of ~10 s), or this many requests per pooled connection waiting. */
const OVERLOADED_LOOP_DELAY_MS = 500;
const OVERLOADED_WAITING_PER_CONNECTION = 4;

/**
 * Three checks. `/health/live` (liveness) answers 200 as long as the process serves HTTP, whatever its
 * dependencies: restarting a node because its database or Redis is away, or because it is busy, never helps.
 * `/health/ready` (readiness) answers 503 only when the node cannot do its work (no database) or is shutting down;
 * Redis away (`degraded`) and load (`overloaded`, with the figures in `load`) are reported with 200, so that a load
 * balancer keeps every node of a cluster under the same storm in rotation. `/health` is the contract's combined
 * check: 503 when the database or, when configured, Redis does not answer (API.md); a load balancer that must keep
 * a node without Redis in rotation uses `/health/ready`. The database is asked on a connection of its own (DatabaseProbe),
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
   * 200 `{ status: "ok" }` when the database and, when configured, Redis answer; 503 otherwise, `details.redis`
   * saying `connection: "unavailable"` and `since` when during a Redis outage.
   */
  @Get()
  @HealthCheck()
  @ApiOperation({
    operationId: 'health',
    summary: 'Combined check: 200 when the database and (when configured) Redis answer, 503 otherwise',
    description: 'The contract\'s health check (terminus\'s body: `status`, `info`, `error`, `details`). A load balancer that must keep a node without Redis in rotation uses `/health/ready`.',
  })
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
    // Redis is asked through the connection monitor, never with a command: a command would wait on a reconnecting client.
    if (this.redis) checks.push(() => Promise.resolve(this.redisIndicator()));
    return this.health.check(checks);
  }

  /** `redis: { status: "up", connection: "ready" }`, or `connection: "unavailable"` with `since` during an outage. */
  private redisIndicator(): HealthIndicatorResult {
    const since = this.redisMonitor.unavailableSince;
    const indicator = this.indicators.check('redis');
    return this.redisMonitor.up ? indicator.up({ connection: 'ready' }) : indicator.down({ connection: 'unavailable', ...(since !== null && { since: new Date(since).toISOString() }) });
  }

  /** Liveness: 200 while the process answers HTTP; nothing else is asked. */
  @Get('live')
  @ApiOperation({
    operationId: 'healthLive',
    summary: 'Liveness: the process answers (no dependency is checked)',
    description: 'Always 200 while the process serves HTTP: restarting a node because a dependency is away never helps.',
  })
  @ApiOkResponse({ type: LivenessResponse })
  live(): LivenessResponse {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  /** Readiness: 503 without a database or while shutting down; 200 otherwise, with Redis and load reported. */
  @Get('ready')
  @ApiOperation({
    operationId: 'healthReady',
    summary: 'Readiness: 503 when the database is away or the node is shutting down',
    description: 'Redis away (`degraded`) and load (`overloaded`, with figures in `load`) are reported with 200, so that every node under the same storm stays in rotation.',
  })
  @ApiOkResponse({ type: ReadinessResponse, description: '`status`: `ok`, `degraded` (Redis away) or `overloaded` (see `load`)' })
  @ApiServiceUnavailableResponse({ type: ReadinessResponse, description: '`status`: `unavailable` (no database) or `shutting_down`' })
  async ready(@Res({ passthrough: true }) response: Response): Promise<ReadinessResponse> {
    const databaseUp = await this.database.up();
    const redis = this.redisState();
    const pool = this.database.pool();
    const eventLoopDelayMs = this.load.eventLoopDelayMs();
    const overloaded = eventLoopDelayMs.p99 >= OVERLOADED_LOOP_DELAY_MS || (pool !== null && pool.waiting > pool.size * OVERLOADED_WAITING_PER_CONNECTION);
    const status: ReadinessResponse['status'] = this.closing
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
  private redisState(): ReadinessResponse['redis'] {
    if (!this.redis) return 'not_configured';
    return this.redisMonitor.up ? 'up' : 'down';
  }
}
