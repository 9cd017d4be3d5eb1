import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { MessageEntity } from '../messages/entities/message.entity';
import { MessageViewsService } from '../messages/message-views.service';
import type { MessageResponse } from '../messages/dto/message.response';
import { UsersService } from '../users/users.service';
import { toRoomResponse, type RoomResponse } from './dto/room.response';
import { RoomMemberEntity } from '../members/entities/room-member.entity';
import { unreadCountsWithMentions, type UnreadCounts } from '../messages/unread-counts';
import type { RoomEntity } from './entities/room.entity';

/**
 * Builds what rooms look like to a viewer: their membership, unread count and, for direct rooms, the other
 * member's name as the title. Works on a whole page at once, with one query per kind of data, never one per room.
 */
@Injectable()
export class RoomViewsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly messageViews: MessageViewsService,
  ) {}

  async one(viewerId: string | null, room: RoomEntity, manager?: EntityManager): Promise<RoomResponse> {
    const [view] = await this.many(viewerId, [room], manager);
    return view;
  }

  /** Views of `rooms` for `viewerId` (null: a viewer-independent snapshot with `me: null`, for events). */
  async many(viewerId: string | null, rooms: RoomEntity[], manager: EntityManager = this.dataSource.manager): Promise<RoomResponse[]> {
    if (rooms.length === 0) return [];
    const roomIds = rooms.map((room) => room.id);
    const memberships = viewerId ? await this.membershipsOf(manager, viewerId, roomIds) : new Map<string, RoomMemberEntity>();
    const titles = await this.directTitles(manager, viewerId, rooms.filter((room) => room.type === 'direct'));
    const unread = viewerId ? await unreadCountsWithMentions(manager, viewerId, [...memberships.values()]) : new Map<string, UnreadCounts>();
    // Outsiders of a public room see no content of it.
    const previewable = rooms.filter((room) => viewerId === null || memberships.has(room.id));
    const lastMessages = await this.lastMessages(manager, viewerId, previewable);
    return rooms.map((room) =>
      toRoomResponse(room, {
        title: titles.get(room.id) ?? room.title,
        membership: memberships.get(room.id) ?? null,
        unreadCount: unread.get(room.id)?.unread ?? 0,
        unreadMentionCount: unread.get(room.id)?.mentions ?? 0,
        lastMessage: lastMessages.get(room.id) ?? null,
      }),
    );
  }

  /** The newest top-level message of each room: one index probe per room, one query for the page. */
  private async lastMessages(manager: EntityManager, viewerId: string | null, rooms: RoomEntity[]): Promise<Map<string, MessageResponse>> {
    const withMessages = rooms.filter((room) => room.lastSeq > 0).map((room) => room.id);
    if (withMessages.length === 0) return new Map();
    const messages = await manager
      .getRepository(MessageEntity)
      .createQueryBuilder('msg')
      .where(
        `(msg.room_id, msg.seq) IN (
          SELECT r.id, (SELECT top.seq FROM chat_messages top WHERE top.room_id = r.id AND top.parent_id IS NULL ORDER BY top.seq DESC LIMIT 1)
          FROM unnest(CAST(:roomIds AS uuid[])) AS r(id))`,
        { roomIds: withMessages },
      )
      .getMany();
    const views = await this.messageViews.many(viewerId, messages, manager);
    return new Map(views.map((view) => [view.roomId, view]));
  }

  private async membershipsOf(manager: EntityManager, userId: string, roomIds: string[]): Promise<Map<string, RoomMemberEntity>> {
    const rows = await manager
      .getRepository(RoomMemberEntity)
      .createQueryBuilder('m')
      .where('m.userId = :userId AND m.roomId = ANY(:roomIds)', { userId, roomIds })
      .getMany();
    return new Map(rows.map((row) => [row.roomId, row]));
  }

  /**
   * A direct room is titled with the other member's name (their id when they have none). A snapshot without
   * a viewer names both members.
   */
  private async directTitles(manager: EntityManager, viewerId: string | null, rooms: RoomEntity[]): Promise<Map<string, string>> {
    if (rooms.length === 0) return new Map();
    const members = await manager
      .getRepository(RoomMemberEntity)
      .createQueryBuilder('m')
      .select(['m.roomId', 'm.userId'])
      .where('m.roomId = ANY(:roomIds)', { roomIds: rooms.map((room) => room.id) })
      .orderBy('m.userId')
      .getMany();
    const names = await this.users.namesOf(members.map((member) => member.userId), manager);
    const titles = new Map<string, string[]>();
    for (const member of members) {
      if (member.userId === viewerId) continue;
      const list = titles.get(member.roomId) ?? [];
      list.push(names.get(member.userId) ?? member.userId);
      titles.set(member.roomId, list);
    }
    return new Map([...titles].map(([roomId, list]) => [roomId, list.join(', ')]));
  }
}
