import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { DatabaseProbe } from './database-probe';
import { DatabaseUnavailableFilter } from './database-unavailable.filter';

/** The standalone server's view of its database: the probe (health) and the answer to an outage on every route. */
@Module({
  providers: [DatabaseProbe, { provide: APP_FILTER, useClass: DatabaseUnavailableFilter }],
  exports: [DatabaseProbe],
})
export class DatabaseModule {}
