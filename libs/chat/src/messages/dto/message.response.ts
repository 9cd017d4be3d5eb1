import { ApiProperty } from '@nestjs/swagger';
import { ImageResponse } from '../../images/dto/image.response';
import { SYSTEM_EVENTS, type SystemEvent } from '../../common/system-messages';
import type { MessageEntity, MessageType } from '../entities/message.entity';

export class ReactionSummary {
  @ApiProperty()
  emoji: string;

  @ApiProperty({ type: 'integer' })
  count: number;

  /** Whether the viewer is one of those who reacted (false in socket events, one copy for the whole room). */
  @ApiProperty()
  me: boolean;
}

/** What a system message records: the change, who made it, and the member it was about (null: the actor or the room). */
export class SystemMessageInfo {
  @ApiProperty({ enum: SYSTEM_EVENTS, enumName: 'SystemEvent' })
  event: SystemEvent;

  @ApiProperty()
  actorId: string;

  @ApiProperty({ type: String, nullable: true })
  targetId: string | null;
}

export class MessageResponse {
  @ApiProperty()
  id: string;

  @ApiProperty()
  roomId: string;

  /** Position in the room: gapless, increasing in commit order. */
  @ApiProperty({ type: 'integer' })
  seq: number;

  /** `system`: a membership or room change, with `senderId` null and `system` set; `user`: everything else. */
  @ApiProperty({ enum: ['user', 'system'], enumName: 'MessageType' })
  type: MessageType;

  /** Null for system messages. */
  @ApiProperty({ type: String, nullable: true })
  senderId: string | null;

  /** Empty for a deleted message. */
  @ApiProperty()
  body: string;

  @ApiProperty({ type: String, nullable: true })
  parentId: string | null;

  @ApiProperty({ type: 'integer' })
  replyCount: number;

  /** Attached images in order; empty for a deleted message. */
  @ApiProperty({ type: [ImageResponse] })
  images: ImageResponse[];

  @ApiProperty({ type: [ReactionSummary] })
  reactions: ReactionSummary[];

  @ApiProperty()
  pinned: boolean;

  /** Users the message mentions; empty for a deleted message. */
  @ApiProperty({ type: [String] })
  mentions: string[];

  @ApiProperty({ type: String, nullable: true })
  clientId: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  editedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  deletedAt: string | null;

  /** The room version of the message's last change. */
  @ApiProperty({ type: 'integer' })
  version: number;

  /** Set on system messages, null on user messages. */
  @ApiProperty({ type: SystemMessageInfo, nullable: true })
  system: SystemMessageInfo | null;
}

/** A page of MessageResponse, as every list is paginated: `{ items, nextCursor }`. */
export class MessagePageResponse {
  @ApiProperty({ type: [MessageResponse] })
  items: MessageResponse[];

  /** Pass it as `?cursor=` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true, description: 'Pass it as `?cursor=` for the next page; null on the last page' })
  nextCursor: string | null;
}

export interface MessageViewContext {
  reactions: ReactionSummary[];
  images: ImageResponse[];
}

/** A deleted message is a tombstone: whatever the database retains, no content is ever served. */
export function toMessageResponse(message: MessageEntity, context: MessageViewContext): MessageResponse {
  const deleted = message.deletedAt !== null;
  return {
    id: message.id,
    roomId: message.roomId,
    seq: message.seq,
    type: message.type,
    senderId: message.senderId,
    body: deleted ? '' : message.body,
    parentId: message.parentId,
    replyCount: message.replyCount,
    images: deleted ? [] : context.images,
    reactions: deleted ? [] : context.reactions,
    pinned: message.pinned,
    mentions: deleted ? [] : (message.mentions ?? []),
    clientId: message.clientId,
    createdAt: message.createdAt.toISOString(),
    editedAt: message.editedAt?.toISOString() ?? null,
    deletedAt: message.deletedAt?.toISOString() ?? null,
    version: message.version,
    system:
      message.type === 'system' && message.systemEvent && message.systemActorId
        ? { event: message.systemEvent, actorId: message.systemActorId, targetId: message.systemTargetId }
        : null,
  };
}
