import { ApiProperty } from '@nestjs/swagger';
import type { AuditEntryEntity, AuditTargetType } from '../entities/audit-entry.entity';

export class AuditTargetResponse {
  @ApiProperty({ enum: ['room', 'user', 'message', 'report'], enumName: 'AuditTargetType' })
  type: AuditTargetType;

  @ApiProperty()
  id: string;

  /** The room the action was taken in (room-level moderation), else null. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  roomId: string | null;
}

/** One recorded moderation or administration action. */
export class AuditEntryResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  /** Who did it. */
  @ApiProperty()
  actorId: string;

  /** What was done, e.g. `ban.created`, `member.silenced`, `room.updated`, `report.resolved`, `user.banned`, `user.erased`. */
  @ApiProperty({ example: 'ban.created' })
  action: string;

  @ApiProperty({ type: AuditTargetResponse })
  target: AuditTargetResponse;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  /** The action's parameters (reason, until, changed settings). */
  @ApiProperty({ type: 'object', additionalProperties: true, example: { reason: 'spam', until: null } })
  details: Record<string, unknown>;
}

export const toAuditEntryResponse = (entry: AuditEntryEntity): AuditEntryResponse => ({
  id: entry.id,
  actorId: entry.actorId,
  action: entry.action,
  target: { type: entry.targetType, id: entry.targetId, roomId: entry.roomId },
  createdAt: entry.createdAt.toISOString(),
  details: entry.details,
});
