import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PresenceService } from '../presence/presence.service';
import { UsersService } from '../users/users.service';
import { toMemberResponse, type MemberResponse } from './dto/member.response';
import type { RoomMemberEntity } from './entities/room-member.entity';

/** Members as clients see them, with names, online state and guest marks, for a whole list in one query each. */
@Injectable()
export class MemberViewsService {
  constructor(
    private readonly users: UsersService,
    private readonly presence: PresenceService,
  ) {}

  async many(members: RoomMemberEntity[], manager?: EntityManager): Promise<MemberResponse[]> {
    const userIds = members.map((member) => member.userId);
    const names = await this.users.namesOf(userIds, manager);
    const online = await this.presence.onlineUsers(userIds);
    const guests = await this.users.guestsOf(userIds, manager);
    return members.map((member) => toMemberResponse(member, names.get(member.userId) ?? null, online.has(member.userId), guests.has(member.userId)));
  }

  async one(member: RoomMemberEntity, manager?: EntityManager): Promise<MemberResponse> {
    const [view] = await this.many([member], manager);
    return view;
  }
}
