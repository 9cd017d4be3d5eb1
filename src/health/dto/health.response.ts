import { ApiProperty } from '@nestjs/swagger';

/** `GET /health/live`. */
export class LivenessResponse {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';

  @ApiProperty({ type: 'integer', description: 'Seconds since the process started' })
  uptimeSeconds!: number;
}

export class EventLoopDelay {
  @ApiProperty({ description: 'p99 of the event-loop delay over the last ~10 s, in ms' })
  p99!: number;

  @ApiProperty({ description: 'Largest event-loop delay over the last ~10 s, in ms' })
  max!: number;
}

export class DatabasePoolUsage {
  @ApiProperty({ type: 'integer', description: 'Connections the pool may open (DATABASE_POOL_SIZE)' })
  size!: number;

  @ApiProperty({ type: 'integer', description: 'Connections open' })
  total!: number;

  @ApiProperty({ type: 'integer', description: 'Connections open and idle' })
  idle!: number;

  @ApiProperty({ type: 'integer', description: 'Requests waiting for a connection' })
  waiting!: number;
}

export class ReadinessLoad {
  @ApiProperty({ type: EventLoopDelay })
  eventLoopDelayMs!: EventLoopDelay;

  @ApiProperty({ type: DatabasePoolUsage, nullable: true, description: 'null with the embedded database' })
  databasePool!: DatabasePoolUsage | null;
}

export const READINESS_STATUSES = ['ok', 'degraded', 'overloaded', 'unavailable', 'shutting_down'] as const;

/** `GET /health/ready`: whether this node should get traffic, and why not. */
export class ReadinessResponse {
  @ApiProperty({
    enum: READINESS_STATUSES,
    description:
      '`ok`; `degraded` (Redis away: served, cross-node fan-out paused); `overloaded` (served, slowly: see `load`); ' +
      '`unavailable` (no database: 503); `shutting_down` (503)',
  })
  status!: (typeof READINESS_STATUSES)[number];

  @ApiProperty({ enum: ['up', 'down'] })
  database!: 'up' | 'down';

  @ApiProperty({ enum: ['up', 'down', 'not_configured'] })
  redis!: 'up' | 'down' | 'not_configured';

  @ApiProperty({ type: ReadinessLoad })
  load!: ReadinessLoad;
}
