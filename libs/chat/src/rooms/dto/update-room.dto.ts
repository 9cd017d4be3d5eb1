import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
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
}
