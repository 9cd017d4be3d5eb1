import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { ChatConfig } from '../common/chat-config';
import { toImageResponse } from '../images/dto/image.response';
import type { ImageEntity } from '../images/entities/image.entity';
import { ImageAttachmentsService } from '../images/image-attachments.service';
import { toMessageResponse, type MessageResponse, type ReactionSummary } from './dto/message.response';
import type { MessageEntity } from './entities/message.entity';

/**
 * Builds message responses for a viewer: reactions (with `me`) and images for a whole page in one query each,
 * never one query per message. Shared by the message routes, room previews, sync and the realtime events.
 */
@Injectable()
export class MessageViewsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly images: ImageAttachmentsService,
    private readonly config: ChatConfig,
  ) {}

  async one(viewerId: string | null, message: MessageEntity, manager?: EntityManager): Promise<MessageResponse> {
    const [view] = await this.many(viewerId, [message], manager);
    return view;
  }

  /** `viewerId` null: a viewer-independent view (every `me` false), for events fanned out to many users. */
  async many(viewerId: string | null, messages: MessageEntity[], manager: EntityManager = this.dataSource.manager): Promise<MessageResponse[]> {
    const live = messages.filter((message) => message.deletedAt === null).map((message) => message.id);
    if (live.length === 0) return messages.map((message) => toMessageResponse(message, { reactions: [], images: [] }));
    const reactions = await this.reactionsOf(manager, viewerId, live);
    const images = await this.images.imagesForMessages(live, manager);
    return messages.map((message) => toMessageResponse(message, { reactions: reactions.get(message.id) ?? [], images: images.get(message.id) ?? [] }));
  }

  /** A message just written: no reactions yet, and its images are known, so its view costs no query. */
  fresh(message: MessageEntity, images: ImageEntity[]): MessageResponse {
    return toMessageResponse(message, { reactions: [], images: images.map((image) => toImageResponse(image, this.config.path)) });
  }

  /** Reactions per message, each emoji once with its count, in the order they were first used. */
  private async reactionsOf(manager: EntityManager, viewerId: string | null, messageIds: string[]): Promise<Map<string, ReactionSummary[]>> {
    if (messageIds.length === 0) return new Map();
    const rows: Array<{ message_id: string; emoji: string; count: number; me: boolean }> = await manager.query(
      `SELECT message_id, emoji, count(*)::int AS count, coalesce(bool_or(user_id = $2), false) AS me
       FROM chat_message_reactions WHERE message_id = ANY($1::uuid[])
       GROUP BY message_id, emoji ORDER BY message_id, min(created_at), emoji`,
      [messageIds, viewerId],
    );
    const byMessage = new Map<string, ReactionSummary[]>();
    for (const row of rows) {
      const list = byMessage.get(row.message_id) ?? [];
      list.push({ emoji: row.emoji, count: row.count, me: row.me });
      byMessage.set(row.message_id, list);
    }
    return byMessage;
  }
}
