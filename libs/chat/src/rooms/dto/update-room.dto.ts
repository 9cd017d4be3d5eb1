import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsChatId } from '../../common/canonical-id';
import { IsChatText, IsOptionalNonNull } from '../../common/chat-text';

/** PATCH: the fields given change, the others stay. */
export class UpdateRoomDto {
  @IsChatText({ max: 200, optional: true })
  title?: string;

  @IsChatText({ max: 2000, optional: true })
  description?: string;

  @ApiPropertyOptional()
  @IsOptionalNonNull()
  @IsBoolean()
  isPublic?: boolean;

  @ApiPropertyOptional({ description: 'Accept guests (public group rooms only; making the room private turns it off). Turning it off removes the guests' })
  @IsOptionalNonNull()
  @IsBoolean()
  allowGuests?: boolean;

  /** The room picture: an image you uploaded (`POST /images`); null removes it. Group rooms only. */
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true })
  @IsOptional()
  @IsChatId()
  imageId?: string | null;

  /** Slow mode: members other than the owner and admins send one message per this many seconds; 0 turns it off. */
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 3600 })
  @IsOptionalNonNull()
  @IsInt()
  @Min(0)
  @Max(3600)
  slowModeSeconds?: number;

  /** Frozen: only the owner and admins send (others 403 `ROOM_FROZEN`). */
  @ApiPropertyOptional()
  @IsOptionalNonNull()
  @IsBoolean()
  frozen?: boolean;
}
