import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditLogService } from '../audit/audit-log.service';
import type { ChatPrincipal } from '../auth/chat-principal';
import { isUuid } from '../common/canonical-id';
import { ChatConfig } from '../common/chat-config';
import { roomNotFound } from '../common/chat-error';
import { newestFirstPage, type Page } from '../common/pagination';
import { ChatEventBus } from '../events/chat-event-bus';
import { RoomMemberEntity } from '../members/entities/room-member.entity';
import { MessageEntity } from '../messages/entities/message.entity';
import { messageNotFound } from '../messages/message-errors';
import { MessageTombstones } from '../messages/message-tombstones';
import type { RoomResponse } from '../rooms/dto/room.response';
import { RoomEntity } from '../rooms/entities/room.entity';
import { RoomViewsService } from '../rooms/room-views.service';
import type { ListAdminRoomsQueryDto } from './dto/list-admin-rooms.query';

/**
 * The rooms and messages of the whole server, for administrators (ServerAdminGuard has let the caller through):
 * every room whatever its visibility, and the deletions an owner or a sender could make, with the same events.
 * Each action is recorded in the audit log in its own transaction.
 */
@Injectable()
export class AdminRoomsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ChatConfig,
    private readonly views: RoomViewsService,
    private readonly tombstones: MessageTombstones,
    private readonly events: ChatEventBus,
    private readonly audit: AuditLogService,
  ) {}

  /** Every room, most recently active first; `q` filters titles without regard to case. */
  async list(principal: ChatPrincipal, query: ListAdminRoomsQueryDto): Promise<Page<RoomResponse>> {
    const rooms = this.dataSource.getRepository(RoomEntity).createQueryBuilder('r');
    if (query.q) rooms.where(`r.title ILIKE :pattern ESCAPE '\\'`, { pattern: `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` });
    const page = await newestFirstPage(rooms, {
      at: 'r.last_activity_at',
      tie: { column: 'r.id', type: 'uuid', of: (room) => room.id },
      limit: this.config.pageSize(query.limit),
      cursor: query.cursor,
    });
    return { items: await this.views.many(principal.userId, page.items), nextCursor: page.nextCursor };
  }

  /** Any room, as the administrator sees it (`me` set only where they are a member). */
  async get(principal: ChatPrincipal, roomId: string): Promise<RoomResponse> {
    return this.views.one(principal.userId, await this.find(this.dataSource.manager, roomId));
  }

  /** Deletes any room, direct rooms included, as its owner would: `room.deleted`, and every socket leaves it. */
  async remove(principal: ChatPrincipal, roomId: string): Promise<void> {
    const memberIds = await this.dataSource.transaction(async (manager) => {
      const room = await this.find(manager, roomId, true);
      const members = await manager.getRepository(RoomMemberEntity).find({ select: { userId: true }, where: { roomId } });
      await manager.getRepository(RoomEntity).delete(room.id);
      await this.audit.record(
        { actorId: principal.userId, action: 'admin.room.deleted', target: { type: 'room', id: room.id }, roomId: room.id, details: { type: room.type, title: room.title } },
        manager,
      );
      return members.map((member) => member.userId);
    });
    this.events.publish('room.deleted', { roomId, memberIds });
  }

  /** Turns any message into a tombstone, as its sender or the room's owner would (`message.deleted`). */
  async removeMessage(principal: ChatPrincipal, messageId: string): Promise<void> {
    const deleted = await this.dataSource.transaction(async (manager) => {
      const located = isUuid(messageId) ? await manager.getRepository(MessageEntity).findOne({ select: { id: true, roomId: true }, where: { id: messageId } }) : null;
      if (!located) throw messageNotFound();
      // The room's row first, as every writer of a room takes its locks (message-lookup.ts).
      await this.find(manager, located.roomId, true);
      const message = await manager.getRepository(MessageEntity).findOneBy({ id: messageId });
      if (!message) throw messageNotFound();
      const tombstone = await this.tombstones.delete(manager, message);
      await this.audit.record(
        { actorId: principal.userId, action: 'admin.message.deleted', target: { type: 'message', id: message.id }, roomId: message.roomId, details: { senderId: message.senderId } },
        manager,
      );
      return tombstone;
    });
    if (deleted) this.events.publish('message.deleted', { roomId: deleted.roomId, version: deleted.version, messageId: deleted.id });
  }

  private async find(manager: EntityManager, roomId: string, lock = false): Promise<RoomEntity> {
    const query = manager.getRepository(RoomEntity).createQueryBuilder('r').where('r.id = :roomId', { roomId });
    if (lock) query.setLock('pessimistic_write');
    const room = isUuid(roomId) ? await query.getOne() : null;
    if (!room) throw roomNotFound();
    return room;
  }
}
