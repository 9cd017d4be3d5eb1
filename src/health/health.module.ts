import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseModule } from '../database/database.module';
import { HealthController } from './health.controller';
import { LoadMonitor } from './load-monitor';

@Module({
  // Terminus would log an error line per failed probe (every few seconds per load balancer during an outage); the
  // database and Redis outage trackers log each outage once, with its recovery, instead.
  imports: [TerminusModule.forRoot({ logger: false }), DatabaseModule],
  controllers: [HealthController],
  providers: [LoadMonitor],
})
export class HealthModule {}
