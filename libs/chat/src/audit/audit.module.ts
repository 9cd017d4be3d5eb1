import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditLogService } from './audit-log.service';
import { AuditEntryEntity } from './entities/audit-entry.entity';

/** The audit log: moderation and administration record their actions here; `/admin/audit` reads it. */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEntryEntity])],
  providers: [AuditLogService],
  exports: [AuditLogService],
})
export class AuditModule {}
