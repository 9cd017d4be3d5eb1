import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessModule } from '../access/access.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { MembersModule } from '../members/members.module';
import { BansController } from './bans.controller';
import { BansService } from './bans.service';
import { MessageReportEntity } from './entities/message-report.entity';
import { RoomBanEntity } from './entities/room-ban.entity';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

/**
 * Room moderation: bans and message reports. Silencing members lives with the member routes, slow mode and frozen
 * rooms with the room settings and the send path; the rules of all of them are in the access layer.
 */
@Module({
  imports: [TypeOrmModule.forFeature([RoomBanEntity, MessageReportEntity]), AuthModule, AccessModule, AuditModule, MembersModule],
  controllers: [BansController, ReportsController],
  providers: [BansService, ReportsService],
  exports: [ReportsService],
})
export class ModerationModule {}
