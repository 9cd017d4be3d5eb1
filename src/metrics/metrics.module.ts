import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { ServerMetrics } from './server-metrics';

/**
 * `GET /metrics` of the standalone server. ChatModule is given `ServerMetrics.registry` (module option
 * `metrics.registry`), so one scrape shows the process, the pool, Redis and the chat's own instruments.
 */
@Module({
  controllers: [MetricsController],
  providers: [ServerMetrics],
  exports: [ServerMetrics],
})
export class MetricsModule {}
