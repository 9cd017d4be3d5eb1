import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { AccessRepository } from './access.repository';
import { AccessService } from './access.service';
import { RoomAccessGuard } from './room-access.guard';
import { ServerAdminGuard } from './server-admin.guard';
import { ServerAdmins } from './server-admins';

/** The access layer: every permission decision of the chat (see AccessService). */
@Module({
  imports: [UsersModule],
  providers: [AccessRepository, AccessService, RoomAccessGuard, ServerAdmins, ServerAdminGuard],
  exports: [AccessService, RoomAccessGuard, ServerAdmins, ServerAdminGuard],
})
export class AccessModule {}
