import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service';
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { newestFirstPage, type Page, type PageQueryDto } from '../common/pagination';
import { ChatEventBus } from '../events/chat-event-bus';
import type { MessageResponse } from './dto/message.response';
import { MessageEntity } from './entities/message.entity';
import { requireUserMessage } from './message-errors';
import { findRoomMessage, stampMessageChange } from './message-lookup';
import { MessageViewsService } from './message-views.service';

/** Pinned messages: owner and admins pin and unpin, every member lists them (most recently pinned first). */
@Injectable()
export class PinsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly views: MessageViewsService,
    private readonly events: ChatEventBus,
    private readonly config: ChatConfig,
  ) {}

  async setPinned(principal: ChatPrincipal, roomId: string, messageId: string, pinned: boolean): Promise<MessageResponse> {
    const { message, changed } = await this.dataSource.transaction(async (manager) => {
      await this.access.member(principal, 'message.moderate', roomId, { manager, lock: true });
      const message = await findRoomMessage(manager, roomId, messageId);
      requireUserMessage(message, pinned ? 'pinned' : 'unpinned');
      if (pinned && message.deletedAt) throw new ChatError('CONFLICT', 'A deleted message cannot be pinned');
      if (message.pinned === pinned) return { message, changed: false };
      return { message: await stampMessageChange(manager, message, { pinned, pinnedAt: pinned ? new Date() : null }), changed: true };
    });
    if (changed) this.events.publish('message.updated', { roomId, version: message.version, message: await this.views.one(null, message) });
    return this.views.one(principal.userId, message);
  }

  async list(principal: ChatPrincipal, roomId: string, query: PageQueryDto): Promise<Page<MessageResponse>> {
    await this.access.memberRoom(principal.userId, roomId);
    const limit = this.config.pageSize(query.limit);
    const pins = this.dataSource.getRepository(MessageEntity).createQueryBuilder('msg').where('msg.room_id = :roomId AND msg.pinned = true', { roomId });
    const page = await newestFirstPage(pins, { at: 'msg.pinned_at', tie: { column: 'msg.seq', type: 'int', of: (message) => message.seq }, limit, cursor: query.cursor });
    return { items: await this.views.many(principal.userId, page.items), nextCursor: page.nextCursor };
  }
}
