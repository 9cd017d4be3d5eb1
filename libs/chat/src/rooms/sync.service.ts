import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, MoreThan } from 'typeorm';
import { AccessService } from '../access/access.service';
import type { ChatPrincipal } from '../auth/chat-principal';
import { RoomMemberRemovalEntity } from '../members/entities/room-member-removal.entity';
import { RoomMemberEntity } from '../members/entities/room-member.entity';
import type { RoomEntity } from './entities/room.entity';
import { MemberViewsService } from '../members/member-views.service';
import { RoomViewsService } from './room-views.service';
import type { ChangesResponse } from './dto/changes.dto';
import { MessageEntity } from '../messages/entities/message.entity';
import { MessageViewsService } from '../messages/message-views.service';

/**
 * `changes?since=`: every row stamped with a room version above `since`. All reads share one REPEATABLE READ
 * snapshot, so the version returned and the rows always belong together: after the call the client's state is
 * the server's as of that version.
 */
@Injectable()
export class SyncService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly roomViews: RoomViewsService,
    private readonly messageViews: MessageViewsService,
    private readonly memberViews: MemberViewsService,
  ) {}

  async changes(principal: ChatPrincipal, roomId: string, since: number): Promise<ChangesResponse> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const { room } = await this.access.memberRoom<RoomEntity>(principal.userId, roomId, { manager });
      const changedSince = { roomId, version: MoreThan(since) };
      const messages = await manager.getRepository(MessageEntity).find({ where: changedSince, order: { seq: 'ASC' } });
      const members = await manager.getRepository(RoomMemberEntity).find({ where: changedSince, order: { userId: 'ASC' } });
      const removals = await manager.getRepository(RoomMemberRemovalEntity).find({ where: changedSince, order: { userId: 'ASC' } });
      return {
        version: room.version,
        room: await this.roomViews.one(principal.userId, room, manager),
        messages: await this.messageViews.many(principal.userId, messages, manager),
        members: await this.memberViews.many(members, manager),
        removedMemberIds: removals.map((removal) => removal.userId),
      };
    });
  }
}
