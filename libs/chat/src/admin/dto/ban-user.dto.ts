import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsChatDateTime } from '../../common/chat-date-time';
import { IsChatText } from '../../common/chat-text';

/** `PUT /admin/users/{userId}/ban`: a server-wide ban, replacing the user's current one if any. */
export class BanUserDto {
  /** Why, for the other administrators (never shown to the user beyond the refusal). */
  @IsChatText({ max: 500, optional: true })
  reason?: string;

  /** When the ban ends by itself (in the future); left out or null: until it is lifted. */
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional()
  @IsChatDateTime()
  until?: string | null;
}
