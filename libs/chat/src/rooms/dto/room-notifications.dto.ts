import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsChatDateTime } from '../../common/chat-date-time';
import { NOTIFICATION_LEVELS, type NotificationLevel } from '../../members/entities/room-member.entity';

/** `PUT /rooms/{roomId}/notifications`: the caller's notification settings in the room, replaced as a whole. */
export class RoomNotificationsDto {
  /** `all`: every new message of others; `mentions`: only those that mention you; `none`: never. */
  @ApiProperty({ enum: NOTIFICATION_LEVELS, enumName: 'NotificationLevel' })
  @IsIn(NOTIFICATION_LEVELS)
  level: NotificationLevel;

  /** No pushes before this time, whatever the level; null or left out: none. */
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional()
  @IsChatDateTime()
  mutedUntil?: string | null;
}
