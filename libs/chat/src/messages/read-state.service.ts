import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RoomMemberEntity } from '../members/entities/room-member.entity';
import type { AccessRoom } from '../access/access-records';
import { AccessService } from '../access/access.service';

/** The room as the access layer loads it (the rooms feature's entity), of which pointers need the newest seq. */
type RoomWithSeq = AccessRoom & { lastSeq: number };
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatEventBus } from '../events/chat-event-bus';
import { unreadCounts } from './unread-counts';
import type { ReadStateResponse, ReceiptsResponse } from './dto/read-state.dto';
import { messageNotFound } from './message-errors';
import { findRoomMessage } from './message-lookup';

/**
 * Read and delivery pointers. They only ever move forward (GREATEST in the UPDATE, so concurrent calls cannot
 * move one back), reading implies delivery, and a pointer never passes the room's newest message. Moving them is
 * the member's own progress, not a change of the room: the room version stays, and a `receipt` event tells
 * the others.
 */
@Injectable()
export class ReadStateService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly events: ChatEventBus,
  ) {}

  async markRead(principal: ChatPrincipal, roomId: string, seq: number): Promise<ReadStateResponse> {
    const { room, membership } = await this.access.memberRoom<RoomWithSeq, RoomMemberEntity>(principal, roomId);
    const state = await this.move(principal.userId, roomId, Math.min(seq, room.lastSeq), true);
    if (state.lastReadSeq > membership.lastReadSeq) {
      this.events.publish('receipt', { roomId, userId: principal.userId, lastReadSeq: state.lastReadSeq });
    }
    return state;
  }

  /** Marks read up to the newest of the given messages of this room. */
  async markSeen(principal: ChatPrincipal, roomId: string, messageIds: string[]): Promise<ReadStateResponse> {
    await this.access.memberRoom(principal.userId, roomId);
    const [row]: Array<{ seq: number | null }> = await this.dataSource.query(
      `SELECT max(seq) AS seq FROM chat_messages WHERE room_id = $1 AND id = ANY($2::uuid[])`,
      [roomId, messageIds],
    );
    if (row.seq === null) throw messageNotFound();
    return this.markRead(principal, roomId, row.seq);
  }

  async markDelivered(principal: ChatPrincipal, roomId: string, seq: number): Promise<ReadStateResponse> {
    const { room } = await this.access.memberRoom<RoomWithSeq>(principal, roomId);
    return this.move(principal.userId, roomId, Math.min(seq, room.lastSeq), false);
  }

  /** Who has seen and received a message, from the members' pointers; the sender is never listed. */
  async receipts(principal: ChatPrincipal, roomId: string, messageId: string): Promise<ReceiptsResponse> {
    await this.access.memberRoom(principal.userId, roomId);
    const message = await findRoomMessage(this.dataSource.manager, roomId, messageId);
    const rows: Array<{ user_id: string; seen: boolean; delivered: boolean }> = await this.dataSource.query(
      `SELECT user_id, last_read_seq >= $3 AS seen, last_delivered_seq >= $3 AS delivered
       FROM chat_room_members WHERE room_id = $1 AND user_id IS DISTINCT FROM $2 ORDER BY user_id`,
      [roomId, message.senderId, message.seq],
    );
    return {
      seenBy: rows.filter((row) => row.seen).map((row) => row.user_id),
      deliveredTo: rows.filter((row) => row.delivered).map((row) => row.user_id),
    };
  }

  private async move(userId: string, roomId: string, seq: number, read: boolean): Promise<ReadStateResponse> {
    const [rows]: [Array<{ last_read_seq: number; last_delivered_seq: number }>, number] = await this.dataSource.query(
      `UPDATE chat_room_members SET
         last_read_seq = CASE WHEN $4 THEN GREATEST(last_read_seq, $3) ELSE last_read_seq END,
         last_delivered_seq = GREATEST(last_delivered_seq, $3)
       WHERE room_id = $1 AND user_id = $2 RETURNING last_read_seq, last_delivered_seq`,
      [roomId, userId, seq, read],
    );
    // The member left between the check and the update.
    if (rows.length === 0) throw messageNotFound();
    const { last_read_seq: lastReadSeq, last_delivered_seq: lastDeliveredSeq } = rows[0];
    const unread = await unreadCounts(this.dataSource.manager, userId, [{ roomId, lastReadSeq }]);
    return { roomId, lastReadSeq, lastDeliveredSeq, unreadCount: unread.get(roomId) ?? 0 };
  }
}
