import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator, type HealthIndicatorResult } from '@nestjs/terminus';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis.module';

const CHECK_TIMEOUT_MS = 1500;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient | null,
  ) {}

  /** 200 `{ status: "ok" }` when the database (and Redis, when configured) answer; 503 otherwise. */
  @Get()
  @HealthCheck()
  @ApiOperation({ operationId: 'health' })
  check() {
    const checks: Array<() => PromiseLike<HealthIndicatorResult>> = [() => this.database.pingCheck('database').withTimeout(CHECK_TIMEOUT_MS)];
    const redis = this.redis;
    if (redis) {
      checks.push(() =>
        this.indicators
          .check('redis')
          .attempt(async () => {
            if ((await redis.ping()) !== 'PONG') throw new Error('Redis did not answer PONG');
          })
          .withTimeout(CHECK_TIMEOUT_MS),
      );
    }
    return this.health.check(checks);
  }
}
