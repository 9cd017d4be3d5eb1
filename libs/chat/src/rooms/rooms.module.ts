import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessModule } from '../access/access.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ImagesModule } from '../images/images.module';
import { MembersModule } from '../members/members.module';
import { MessageViewsModule } from '../messages/message-views.module';
import { UsersModule } from '../users/users.module';
import { RoomEntity } from './entities/room.entity';
import { RoomViewsService } from './room-views.service';
import { RoomsController } from './rooms.controller';
import { RoomsService } from './rooms.service';
import { SyncController } from './sync.controller';
import { SyncService } from './sync.service';

/** Rooms, and the sync of a whole room (`changes?since=`): above members and messages, which never import it. */
@Module({
  imports: [TypeOrmModule.forFeature([RoomEntity]), AuthModule, AccessModule, AuditModule, ImagesModule, MembersModule, MessageViewsModule, UsersModule],
  controllers: [RoomsController, SyncController],
  providers: [RoomsService, RoomViewsService, SyncService],
  // RoomViewsService: server administration shows any room the way its members see it.
  exports: [RoomViewsService],
})
export class RoomsModule {}
