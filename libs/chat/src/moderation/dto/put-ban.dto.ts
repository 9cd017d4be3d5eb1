import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsChatDateTime } from '../../common/chat-date-time';
import { IsChatText } from '../../common/chat-text';

/** `PUT /rooms/{roomId}/bans/{userId}`: a new ban, or new terms for an existing one. */
export class PutBanDto {
  /** Why; shown to the room's owner and admins. Null or left out: none. */
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 1000 })
  @IsOptional()
  @IsChatText({ max: 1000 })
  reason?: string | null;

  /** When the ban ends (must be in the future); null or left out: until lifted. */
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional()
  @IsChatDateTime()
  until?: string | null;
}
