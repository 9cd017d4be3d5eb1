import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { canEditMessage, canManageMessage } from '../access/access-rules';
import { AccessService } from '../access/access.service';
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { decodeCursor, newestFirstPage, toPage, type Page } from '../common/pagination';
import { ChatEventBus } from '../events/chat-event-bus';
import { ImageAttachmentsService } from '../images/image-attachments.service';
import type { CreateMessageDto } from './dto/create-message.dto';
import type { ListMessagesQueryDto } from './dto/list-messages.query';
import { MessageEditResponse } from './dto/message-edit.response';
import type { MessageResponse } from './dto/message.response';
import type { UpdateMessageDto } from './dto/update-message.dto';
import { MessageEditEntity } from './entities/message-edit.entity';
import { MessageEntity } from './entities/message.entity';
import { RoomMemberEntity } from '../members/entities/room-member.entity';
import { invalidMention, requireUserMessage } from './message-errors';
import { findRoomMessage, stampMessageChange } from './message-lookup';
import { MessageViewsService } from './message-views.service';
import { MessageTombstones } from './message-tombstones';
import { MessageWriter } from './message-writer.service';
import type { PageQueryDto } from '../common/pagination';

type SeqCursor = { seq: number };
const isSeqCursor = (value: unknown): value is SeqCursor =>
  typeof value === 'object' && value !== null && Number.isInteger((value as SeqCursor).seq);

export interface SentMessage {
  /** False when the clientId had been used and the first message is returned instead. */
  created: boolean;
  message: MessageResponse;
}

@Injectable()
export class MessagesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly views: MessageViewsService,
    private readonly events: ChatEventBus,
    private readonly config: ChatConfig,
    private readonly images: ImageAttachmentsService,
    private readonly writer: MessageWriter,
    private readonly tombstones: MessageTombstones,
  ) {}

  /**
   * Sends a message: validated here, then written by the MessageWriter (batched with concurrent sends; seqs
   * gapless and in commit order per room). A clientId is enforced by a unique index: a retry, even a
   * concurrent one, gets the first message back instead of a second one.
   */
  async send(principal: ChatPrincipal, roomId: string, dto: CreateMessageDto): Promise<SentMessage> {
    // Membership and the send rules (silence, frozen room, blocks, slow mode: SEND_REFUSALS of the access layer) are
    // checked by the writer under the room's lock, in the batch's one statement. Anything that would tell an outsider
    // about the room before that (a parent message of it, the host's hooks) waits for the access layer's answer first.
    if (dto.parentId || this.config.options.canAccessRoom || this.config.options.beforeMessageSend) await this.access.memberRoom(principal, roomId);
    const body = await this.hostApprovedBody(principal, roomId, dto, this.validBody(dto.body ?? '', false));
    if (!body && !dto.imageIds?.length) throw new ChatError('INVALID_INPUT', 'A message needs a body or images');
    if (dto.parentId) requireUserMessage(await this.requireThreadParent(this.dataSource.manager, roomId, dto.parentId), 'replied to');
    const result = await this.writer.write({
      roomId,
      senderId: principal.userId,
      body,
      parentId: dto.parentId?.toLowerCase() ?? null,
      clientId: dto.clientId ?? null,
      imageIds: this.images.checkImageIds(dto.imageIds ?? []),
      // Checked by the writer, under the room's lock: every one must be a member of the room.
      mentions: uniqueMentions(dto.mentions),
    });
    if (result.kind === 'created') {
      // The sender's read pointer moved to their message, but no `receipt` is sent for it: `message.created`
      // tells every member.
      this.events.publish('message.created', { roomId, version: result.message.version, message: result.message });
      if (result.parent) this.events.publish('message.updated', { roomId, version: result.parent.version, message: result.parent });
      return { created: true, message: result.message };
    }
    const earlier = await this.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: result.earlierId });
    return this.replay(principal, roomId, earlier);
  }

  async list(principal: ChatPrincipal, roomId: string, query: ListMessagesQueryDto): Promise<Page<MessageResponse>> {
    await this.access.memberRoom(principal.userId, roomId);
    const limit = this.config.pageSize(query.limit);
    const messages = this.dataSource.getRepository(MessageEntity).createQueryBuilder('msg').where('msg.room_id = :roomId', { roomId });
    const cursor = query.cursor ? decodeCursor(query.cursor, isSeqCursor).seq : undefined;
    if (query.parentId) {
      await this.requireThreadParent(this.dataSource.manager, roomId, query.parentId);
      // A thread reads like a conversation: oldest first.
      messages.andWhere('msg.parent_id = :parentId', { parentId: query.parentId }).orderBy('msg.seq', 'ASC');
      if (cursor !== undefined) messages.andWhere('msg.seq > :cursor', { cursor });
    } else {
      messages.andWhere('msg.parent_id IS NULL').orderBy('msg.seq', 'DESC');
      if (cursor !== undefined) messages.andWhere('msg.seq < :cursor', { cursor });
    }
    if (query.beforeSeq !== undefined) messages.andWhere('msg.seq < :beforeSeq', { beforeSeq: query.beforeSeq });
    if (query.afterSeq !== undefined) messages.andWhere('msg.seq > :afterSeq', { afterSeq: query.afterSeq });
    if (query.q) {
      // Deleted messages never match, even when their content is retained.
      messages.andWhere(`msg.deleted_at IS NULL AND msg.body ILIKE :pattern ESCAPE '\\'`, { pattern: `%${escapeLike(query.q)}%` });
    }
    if (query.senderId) messages.andWhere('msg.sender_id = :senderId', { senderId: query.senderId });
    if (query.createdAfter) messages.andWhere('msg.created_at > :createdAfter', { createdAfter: new Date(query.createdAfter) });
    if (query.createdBefore) messages.andWhere('msg.created_at < :createdBefore', { createdBefore: new Date(query.createdBefore) });
    const rows = await messages.limit(limit + 1).getMany();
    const page = toPage(rows, limit, (row) => row, (row) => ({ seq: row.seq }));
    return { items: await this.views.many(principal.userId, page.items), nextCursor: page.nextCursor };
  }

  async get(principal: ChatPrincipal, roomId: string, messageId: string): Promise<MessageResponse> {
    await this.access.memberRoom(principal.userId, roomId);
    const message = await findRoomMessage(this.dataSource.manager, roomId, messageId);
    return this.views.one(principal.userId, message);
  }

  /**
   * Edits by the sender only; the replaced text goes to the edit history. `mentions`, when given, replace the
   * message's (members of the room, checked under the room's lock).
   */
  async edit(principal: ChatPrincipal, roomId: string, messageId: string, dto: UpdateMessageDto): Promise<MessageResponse> {
    const body = this.validBody(dto.body, true);
    const mentions = dto.mentions === undefined ? null : uniqueMentions(dto.mentions);
    const { message, changed } = await this.dataSource.transaction(async (manager) => {
      const { membership } = await this.access.memberRoom(principal.userId, roomId, { manager, lock: true });
      const message = await findRoomMessage(manager, roomId, messageId);
      requireUserMessage(message, 'edited');
      this.access.require(canEditMessage(membership, message), 'Only the sender can edit a message');
      if (message.deletedAt) throw new ChatError('CONFLICT', 'A deleted message cannot be edited');
      if (mentions) await this.requireMembers(manager, roomId, mentions);
      const mentionsChanged = mentions !== null && !sameList(mentions, message.mentions);
      if (message.body === body && !mentionsChanged) return { message, changed: false };
      const now = new Date();
      const changes: Partial<MessageEntity> = mentionsChanged ? { mentions: mentions as string[] } : {};
      if (message.body !== body) {
        await manager.getRepository(MessageEditEntity).insert({ messageId: message.id, body: message.body, replacedAt: now });
        Object.assign(changes, { body, editedAt: now });
      }
      return { message: await stampMessageChange(manager, message, changes), changed: true };
    });
    if (changed) this.events.publish('message.updated', { roomId, version: message.version, message: await this.views.one(null, message) });
    return this.views.one(principal.userId, message);
  }

  /**
   * Deletes as a tombstone, by the sender or the room's owner and admins. The body is erased with its history,
   * images and reactions, unless the module retains deleted content (never served either way; a retained image
   * link gives nobody access). Deleting again is a no-op.
   */
  async remove(principal: ChatPrincipal, roomId: string, messageId: string): Promise<void> {
    const deleted = await this.dataSource.transaction(async (manager) => {
      const { membership } = await this.access.memberRoom(principal.userId, roomId, { manager, lock: true });
      const message = await findRoomMessage(manager, roomId, messageId);
      requireUserMessage(message, 'deleted');
      this.access.require(canManageMessage(membership, message), 'Only the sender, the owner and admins can delete a message');
      return this.tombstones.delete(manager, message);
    });
    if (deleted) this.events.publish('message.deleted', { roomId, version: deleted.version, messageId: deleted.id });
  }

  /** Earlier versions of a message, newest first: for its sender and the room's owner and admins. */
  async history(principal: ChatPrincipal, roomId: string, messageId: string, query: PageQueryDto): Promise<Page<MessageEditResponse>> {
    const { membership } = await this.access.memberRoom(principal.userId, roomId);
    const message = await findRoomMessage(this.dataSource.manager, roomId, messageId);
    this.access.require(canManageMessage(membership, message), 'Only the sender, the owner and admins can read the edit history');
    if (message.deletedAt) return { items: [], nextCursor: null };
    const limit = this.config.pageSize(query.limit);
    const edits = this.dataSource.getRepository(MessageEditEntity).createQueryBuilder('e').where('e.message_id = :messageId', { messageId: message.id });
    const page = await newestFirstPage(edits, { at: 'e.replaced_at', tie: { column: 'e.id', type: 'uuid', of: (edit) => edit.id }, limit, cursor: query.cursor });
    return { items: page.items.map((edit) => ({ body: edit.body, replacedAt: edit.replacedAt.toISOString() })), nextCursor: page.nextCursor };
  }

  /** The host's `beforeMessageSend` may refuse the message or store another text instead. */
  private async hostApprovedBody(principal: ChatPrincipal, roomId: string, dto: CreateMessageDto, body: string): Promise<string> {
    const hook = this.config.options.beforeMessageSend;
    if (!hook) return body;
    const decision = await hook({ userId: principal.userId, roomId, body, parentId: dto.parentId ?? null, imageIds: dto.imageIds ?? [] });
    if (decision && 'reject' in decision) throw new ChatError('MESSAGE_REJECTED', decision.reject || 'The message was rejected');
    return decision && 'body' in decision ? this.validBody(decision.body, false) : body;
  }

  /** A retried send: the first message, if it was sent to this room and the caller still sees the room. */
  private async replay(principal: ChatPrincipal, roomId: string, earlier: MessageEntity): Promise<SentMessage> {
    await this.access.memberRoom(principal.userId, roomId);
    if (earlier.roomId !== roomId) throw new ChatError('CONFLICT', 'This clientId was already used for a message in another room');
    return { created: false, message: await this.views.one(principal.userId, earlier) };
  }

  /** Mentions name members of the room (400 `INVALID_MENTION` otherwise). */
  private async requireMembers(manager: EntityManager, roomId: string, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    const count = await manager
      .getRepository(RoomMemberEntity)
      .createQueryBuilder('m')
      .where('m.room_id = :roomId AND m.user_id = ANY(:userIds)', { roomId, userIds })
      .getCount();
    if (count !== userIds.length) throw invalidMention();
  }

  /** A reply's parent must be a top-level message of the same room. */
  private async requireThreadParent(manager: EntityManager, roomId: string, parentId: string): Promise<MessageEntity> {
    const parent = await manager.getRepository(MessageEntity).findOneBy({ id: parentId, roomId });
    if (!parent) throw new ChatError('INVALID_INPUT', 'parentId must be a message of this room');
    if (parent.parentId) throw new ChatError('INVALID_INPUT', 'parentId must be a top-level message: threads do not nest');
    return parent;
  }

  private validBody(raw: string, required: boolean): string {
    const body = raw.trim();
    if (required && !body) throw new ChatError('INVALID_INPUT', 'body must not be blank');
    const max = this.config.limits.maxMessageLength;
    // Counted in code points, not UTF-16 units; a body no longer than the limit in units cannot be longer in points.
    if (body.length > max && [...body].length > max) throw new ChatError('INVALID_INPUT', `body must be at most ${max} characters`);
    return body;
  }
}

/** The mentioned user ids, each once, in the order first given. */
function uniqueMentions(mentions: string[] | undefined): string[] {
  return [...new Set(mentions ?? [])];
}

const sameList = (a: string[], b: string[]): boolean => a.length === b.length && a.every((value, index) => value === b[index]);

/** Escapes LIKE's wildcards so the filter matches the text as typed. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
