import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessModule } from '../access/access.module';
import { AuthModule } from '../auth/auth.module';
import { MessageViewsModule } from '../messages/message-views.module';
import { PresenceModule } from '../presence/presence.module';
import { RoomMemberRemovalEntity } from './entities/room-member-removal.entity';
import { RoomMemberEntity } from './entities/room-member.entity';
import { RoomEntity } from './entities/room.entity';
import { MemberEventsPublisher } from './member-events.publisher';
import { MemberViewsService } from './member-views.service';
import { RoomMembershipService } from './room-membership.service';
import { RoomViewsService } from './room-views.service';
import { RoomsController } from './rooms.controller';
import { RoomsService } from './rooms.service';

@Module({
  imports: [TypeOrmModule.forFeature([RoomEntity, RoomMemberEntity, RoomMemberRemovalEntity]), AuthModule, AccessModule, MessageViewsModule, PresenceModule],
  controllers: [RoomsController],
  providers: [RoomsService, RoomMembershipService, RoomViewsService, MemberViewsService, MemberEventsPublisher],
  exports: [RoomsService, RoomMembershipService, RoomViewsService, MemberViewsService, MemberEventsPublisher, AuthModule, AccessModule, MessageViewsModule, PresenceModule],
})
export class RoomsModule {}
