import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service';
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { ChatEventBus } from '../events/chat-event-bus';
import type { MessageResponse } from './dto/message.response';
import { requireUserMessage } from './message-errors';
import { findRoomMessage, stampMessageChange } from './message-lookup';
import { MessageViewsService } from './message-views.service';
import { isAllowedReaction } from './reaction-rules';

/** The caller's reactions: one per user, emoji and message (the primary key), each a change of the room. */
@Injectable()
export class ReactionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly views: MessageViewsService,
    private readonly events: ChatEventBus,
    private readonly config: ChatConfig,
  ) {}

  /** Adds the caller's reaction; adding it again changes nothing. */
  async add(principal: ChatPrincipal, roomId: string, messageId: string, emoji: string): Promise<MessageResponse> {
    if (!isAllowedReaction(emoji, this.config.options.messages?.allowedReactions)) {
      throw new ChatError('INVALID_REACTION', `Invalid reaction: ${JSON.stringify(emoji.slice(0, 64))} is not an allowed emoji`);
    }
    return this.change(principal, roomId, messageId, async (manager, id) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO chat_message_reactions (message_id, user_id, emoji) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING emoji`,
        [id, principal.userId, emoji],
      );
      return inserted.length > 0;
    });
  }

  /** Removes the caller's reaction; removing one that is not there changes nothing. */
  async remove(principal: ChatPrincipal, roomId: string, messageId: string, emoji: string): Promise<MessageResponse> {
    return this.change(principal, roomId, messageId, async (manager, id) => {
      const [, affected]: [unknown[], number] = await manager.query(
        `DELETE FROM chat_message_reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3`,
        [id, principal.userId, emoji],
      );
      return affected > 0;
    });
  }

  private async change(
    principal: ChatPrincipal,
    roomId: string,
    messageId: string,
    apply: (manager: import('typeorm').EntityManager, messageId: string) => Promise<boolean>,
  ): Promise<MessageResponse> {
    const { message, changed } = await this.dataSource.transaction(async (manager) => {
      await this.access.memberRoom(principal.userId, roomId, { manager, lock: true });
      const message = await findRoomMessage(manager, roomId, messageId);
      requireUserMessage(message, 'reacted to');
      if (message.deletedAt) throw new ChatError('CONFLICT', 'A deleted message cannot be reacted to');
      if (!(await apply(manager, message.id))) return { message, changed: false };
      return { message: await stampMessageChange(manager, message, {}), changed: true };
    });
    if (changed) this.events.publish('message.updated', { roomId, version: message.version, message: await this.views.one(null, message) });
    return this.views.one(principal.userId, message);
  }
}
