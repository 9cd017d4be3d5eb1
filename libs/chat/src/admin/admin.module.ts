import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ImagesModule } from '../images/images.module';
import { MembersModule } from '../members/members.module';
import { MessageViewsModule } from '../messages/message-views.module';
import { MessagesModule } from '../messages/messages.module';
import { ModerationModule } from '../moderation/moderation.module';
import { RoomsModule } from '../rooms/rooms.module';
import { AdminAuditController } from './admin-audit.controller';
import { AdminMessagesController } from './admin-messages.controller';
import { AdminReportsController } from './admin-reports.controller';
import { AdminRoomsController } from './admin-rooms.controller';
import { AdminRoomsService } from './admin-rooms.service';
import { AdminUsersController } from './admin-users.controller';
import { UserBansService } from './user-bans.service';
import { UserErasureService } from './user-erasure.service';
import { UserExportService } from './user-export.service';

/**
 * Server administration under `/admin`: every room, deletions, reports of every room, server-wide bans, a user's export and erasure, the
 * audit log. On top of the other features; none of them imports it.
 */
@Module({
  imports: [AuthModule, AccessModule, AuditModule, RoomsModule, MembersModule, MessagesModule, MessageViewsModule, ImagesModule, ModerationModule],
  controllers: [AdminRoomsController, AdminMessagesController, AdminReportsController, AdminUsersController, AdminAuditController],
  providers: [AdminRoomsService, UserBansService, UserExportService, UserErasureService],
})
export class AdminModule {}
