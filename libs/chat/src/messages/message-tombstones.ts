import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ChatConfig } from '../common/chat-config';
import { ImageAttachmentsService } from '../images/image-attachments.service';
import { MessageEditEntity } from './entities/message-edit.entity';
import type { MessageEntity } from './entities/message.entity';
import { ReactionEntity } from './entities/reaction.entity';
import { stampMessageChange } from './message-lookup';

/**
 * Turns messages into tombstones, inside the caller's transaction, with the room row already locked: the one way a
 * message is deleted, whoever deletes it (its sender, a room moderator, a server administrator, an erasure).
 */
@Injectable()
export class MessageTombstones {
  constructor(
    private readonly config: ChatConfig,
    private readonly images: ImageAttachmentsService,
  ) {}

  /**
   * Deletes a live message as one change of its room: reactions and pin go; body, edit history and images go too
   * unless the module retains deleted content (`messages.retainDeletedContent`). Returns the tombstone, or null
   * when the message already was one (nothing changes, no event).
   */
  async delete(manager: EntityManager, message: MessageEntity): Promise<MessageEntity | null> {
    if (message.deletedAt) return null;
    const retain = this.config.options.messages?.retainDeletedContent ?? false;
    if (!retain) await this.eraseContent(manager, message);
    await manager.getRepository(ReactionEntity).delete({ messageId: message.id });
    return stampMessageChange(manager, message, { deletedAt: new Date(), pinned: false, pinnedAt: null, ...(retain ? {} : { body: '' }) });
  }

  /**
   * Deletes a message and its content whatever the retention option (a user's erasure): a live message becomes a
   * tombstone as one change of its room (returned, for its event); a tombstone that retained its content loses it
   * without a change clients could see (null).
   */
  async erase(manager: EntityManager, message: MessageEntity): Promise<MessageEntity | null> {
    await this.eraseContent(manager, message);
    if (message.deletedAt) {
      await manager.query(`UPDATE chat_messages SET body = '', mentions = '{}' WHERE id = $1`, [message.id]);
      return null;
    }
    await manager.getRepository(ReactionEntity).delete({ messageId: message.id });
    return stampMessageChange(manager, message, { deletedAt: new Date(), pinned: false, pinnedAt: null, body: '', mentions: [] });
  }

  private async eraseContent(manager: EntityManager, message: MessageEntity): Promise<void> {
    await manager.getRepository(MessageEditEntity).delete({ messageId: message.id });
    await this.images.detachAll(manager, message.id);
  }
}
