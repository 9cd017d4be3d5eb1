import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessModule } from '../access/access.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { PresenceModule } from '../presence/presence.module';
import { UsersModule } from '../users/users.module';
import { RoomMemberRemovalEntity } from './entities/room-member-removal.entity';
import { RoomMemberEntity } from './entities/room-member.entity';
import { MemberEventsPublisher } from './member-events.publisher';
import { MemberViewsService } from './member-views.service';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';
import { RoomMembershipService } from './room-membership.service';

/**
 * Memberships: the member routes, and the one writer of memberships (RoomMembershipService) with its views and
 * events, which the rooms feature uses for creation, join and leave.
 */
@Module({
  imports: [TypeOrmModule.forFeature([RoomMemberEntity, RoomMemberRemovalEntity]), AuthModule, AccessModule, AuditModule, PresenceModule, UsersModule],
  controllers: [MembersController],
  providers: [MembersService, RoomMembershipService, MemberViewsService, MemberEventsPublisher],
  exports: [RoomMembershipService, MemberViewsService, MemberEventsPublisher],
})
export class MembersModule {}
