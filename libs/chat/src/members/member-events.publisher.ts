import { Injectable } from '@nestjs/common';
import { ChatEventBus } from '../events/chat-event-bus';
import type { RoomMemberEntity } from './entities/room-member.entity';
import { MemberViewsService } from './member-views.service';

/** Publishes membership changes, after their commit, with the members as clients see them. */
@Injectable()
export class MemberEventsPublisher {
  constructor(
    private readonly events: ChatEventBus,
    private readonly views: MemberViewsService,
  ) {}

  async added(roomId: string, version: number, member: RoomMemberEntity): Promise<void> {
    await this.addedMany(roomId, version, [member]);
  }

  async addedMany(roomId: string, version: number, members: RoomMemberEntity[]): Promise<void> {
    for (const member of await this.views.many(members)) this.events.publish('member.added', { roomId, version, member });
  }

  async updated(roomId: string, version: number, member: RoomMemberEntity): Promise<void> {
    this.events.publish('member.updated', { roomId, version, member: await this.views.one(member) });
  }

  async removed(roomId: string, version: number, member: RoomMemberEntity): Promise<void> {
    this.events.publish('member.removed', { roomId, version, member: await this.views.one(member) });
  }
}
