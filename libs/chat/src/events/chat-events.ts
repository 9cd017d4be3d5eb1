import type { MessageResponse } from '../messages/dto/message.response';
import type { MemberResponse } from '../members/dto/member.response';
import type { RoomResponse } from '../rooms/dto/room.response';
import type { BanResponse } from '../moderation/dto/ban.response';
import type { ReportResponse } from '../moderation/dto/report.response';

/**
 * The domain events the services publish after their transaction commits, keyed by the Socket.IO event name
 * they become. `audience` says who may see the event: the room's members, plus `extraUserIds` (a removed member
 * still hears of the removal). Room snapshots are viewer-independent (`me: null`): each client already knows
 * its own membership.
 */
export interface ChatEventMap {
  'room.updated': { roomId: string; version: number; room: RoomResponse };
  'room.deleted': { roomId: string; memberIds: string[] };
  'member.added': { roomId: string; version: number; member: MemberResponse };
  'member.updated': { roomId: string; version: number; member: MemberResponse };
  'member.removed': { roomId: string; version: number; member: MemberResponse };
  /** Message snapshots are viewer-independent: every reaction's `me` is false. */
  'message.created': { roomId: string; version: number; message: MessageResponse };
  'message.updated': { roomId: string; version: number; message: MessageResponse };
  'message.deleted': { roomId: string; version: number; messageId: string };
  /** A user came online or went offline; `audience` is everyone who shares a room with them. */
  'presence': { userId: string; online: boolean; lastSeenAt: string | null; audience: string[] };
  /** A member's read pointer moved. */
  'receipt': { roomId: string; userId: string; lastReadSeq: number };
  /** Moderation, for webhooks only (no socket event): a user banned from a room, or a ban's terms changed. */
  'ban.created': { roomId: string; ban: BanResponse };
  /** A room ban lifted (webhooks only). */
  'ban.removed': { roomId: string; userId: string; removedBy: string };
  /** A member reported a message (webhooks only). */
  'report.created': { roomId: string; report: ReportResponse };
  /** An administrator banned the user from the whole server: their sockets are cut on every node. */
  'user.banned': { userId: string; reason: string | null; until: string | null; createdAt: string; createdBy: string };
  /** An administrator lifted the user's server-wide ban. */
  'user.unbanned': { userId: string; removedBy: string };
}

export type ChatEventName = keyof ChatEventMap;

/** One published event: its name and payload, as a discriminated union. */
export type ChatEvent = { [K in ChatEventName]: { name: K; payload: ChatEventMap[K] } }[ChatEventName];
