import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsChatDateTime } from '../../common/chat-date-time';
import { IsOptionalNonNull } from '../../common/chat-text';
import type { MemberRole } from '../entities/room-member.entity';

/** `PATCH /rooms/{roomId}/members/{userId}`: a new role, a silence, or both (at least one). */
export class UpdateMemberDto {
  /** The owner only. `owner` hands ownership over: the member becomes owner and the caller becomes admin. */
  @ApiPropertyOptional({ enum: ['owner', 'admin', 'member'], enumName: 'MemberRole' })
  @IsOptionalNonNull()
  @IsIn(['owner', 'admin', 'member'])
  role?: MemberRole;

  /**
   * Read-only until then (owner and admins; admins silence plain members only); null lifts the silence. A time
   * in the past lifts it too.
   */
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional()
  @IsChatDateTime()
  silencedUntil?: string | null;
}
