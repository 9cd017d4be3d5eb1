import { ApiProperty } from '@nestjs/swagger';
import { MessageResponse } from '../../messages/dto/message.response';
import { isMuted, type MemberRole, type NotificationLevel, type RoomMemberEntity } from '../../members/entities/room-member.entity';
import type { RoomEntity, RoomType } from '../entities/room.entity';

/** The caller's notification settings in a room (`PUT /rooms/{roomId}/notifications`). */
export class RoomNotificationsResponse {
  /** Which new messages push to the caller: `all`, `mentions` (only those mentioning them) or `none`. */
  @ApiProperty({ enum: ['all', 'mentions', 'none'], enumName: 'NotificationLevel' })
  level: NotificationLevel;

  /** No pushes before this time, whatever the level; null when not set. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  mutedUntil: string | null;
}

/** The caller's own state in a room. */
export class RoomMeResponse {
  @ApiProperty({ enum: ['owner', 'admin', 'member'], enumName: 'MemberRole' })
  role: MemberRole;

  /** No pushes from the room: `notifications.level` is `none`, or `notifications.mutedUntil` is in the future. */
  @ApiProperty()
  muted: boolean;

  @ApiProperty({ type: RoomNotificationsResponse })
  notifications: RoomNotificationsResponse;

  @ApiProperty({ type: 'integer' })
  lastReadSeq: number;

  /** Messages from others, not deleted, after `lastReadSeq`. */
  @ApiProperty({ type: 'integer' })
  unreadCount: number;

  /** Those of the unread messages that mention the caller. */
  @ApiProperty({ type: 'integer' })
  unreadMentionCount: number;
}

export class RoomResponse {
  @ApiProperty()
  id: string;

  @ApiProperty({ enum: ['direct', 'group'], enumName: 'RoomType' })
  type: RoomType;

  /** For direct rooms, the other member's name (or id) as the viewer sees it. */
  @ApiProperty()
  title: string;

  @ApiProperty()
  description: string;

  @ApiProperty({ type: String, nullable: true })
  imageId: string | null;

  @ApiProperty()
  isPublic: boolean;

  @ApiProperty()
  creatorId: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastMessageAt: string | null;

  /** The newest top-level message (a tombstone if it was deleted), as a preview. */
  @ApiProperty({ type: MessageResponse, nullable: true })
  lastMessage: MessageResponse | null;

  /** The seq of the newest message. */
  @ApiProperty({ type: 'integer' })
  lastSeq: number;

  /** Incremented by every change in the room; see `GET /rooms/{roomId}/changes`. */
  @ApiProperty({ type: 'integer' })
  version: number;

  @ApiProperty({ type: 'integer' })
  memberCount: number;

  @ApiProperty()
  allowGuests: boolean;

  /** Slow mode: members other than the owner and admins send one message per this many seconds (0: off). */
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 3600 })
  slowModeSeconds: number;

  /** Frozen: only the owner and admins send. */
  @ApiProperty()
  frozen: boolean;

  /** The caller's membership; null when the caller is not a member (a public room seen from outside). */
  @ApiProperty({ type: RoomMeResponse, nullable: true })
  me: RoomMeResponse | null;
}

/** A page of RoomResponse, as every list is paginated: `{ items, nextCursor }`. */
export class RoomPageResponse {
  @ApiProperty({ type: [RoomResponse] })
  items: RoomResponse[];

  /** Pass it as `?cursor=` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true, description: 'Pass it as `?cursor=` for the next page; null on the last page' })
  nextCursor: string | null;
}

/** What a room looks like to one viewer, beyond the row itself. */
export interface RoomViewContext {
  title: string;
  membership: RoomMemberEntity | null;
  unreadCount: number;
  unreadMentionCount: number;
  lastMessage: MessageResponse | null;
}

export function toRoomResponse(room: RoomEntity, context: RoomViewContext): RoomResponse {
  const { membership } = context;
  return {
    id: room.id,
    type: room.type,
    title: context.title,
    description: room.description,
    imageId: room.imageId,
    isPublic: room.isPublic,
    creatorId: room.creatorId,
    createdAt: room.createdAt.toISOString(),
    updatedAt: room.updatedAt.toISOString(),
    lastMessageAt: room.lastMessageAt?.toISOString() ?? null,
    lastMessage: context.lastMessage,
    lastSeq: room.lastSeq,
    version: room.version,
    memberCount: room.memberCount,
    allowGuests: room.allowGuests,
    slowModeSeconds: room.slowModeSeconds,
    frozen: room.frozen,
    me: membership
      ? {
          role: membership.role,
          muted: isMuted(membership),
          notifications: { level: membership.notificationLevel, mutedUntil: membership.mutedUntil?.toISOString() ?? null },
          lastReadSeq: membership.lastReadSeq,
          unreadCount: context.unreadCount,
          unreadMentionCount: context.unreadMentionCount,
        }
      : null,
  };
}
