import { Module } from '@nestjs/common';
import { AccessRepository } from './access.repository';
import { AccessService } from './access.service';
import { RoomAccessGuard } from './room-access.guard';

/** The access layer: every permission decision of the chat (see AccessService). */
@Module({
  providers: [AccessRepository, AccessService, RoomAccessGuard],
  exports: [AccessService, RoomAccessGuard],
})
export class AccessModule {}
