import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray } from 'class-validator';
import { IsChatText } from '../../common/chat-text';

export class PresenceQueryDto {
  /** Comma-separated user ids (at most 100). */
  @ApiProperty({ type: String, description: 'Comma-separated user ids', example: 'u1,u2' })
  @Transform(({ value }) => (typeof value === 'string' ? value.split(',').map((id) => id.trim()).filter(Boolean) : value))
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsChatText({ min: 1, max: 255, each: true })
  userIds: string[];
}

export class PresenceResponse {
  @ApiProperty()
  userId: string;

  @ApiProperty()
  online: boolean;

  /** When the user last connected or disconnected; null if never. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastSeenAt: string | null;
}
