import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { IsChatId } from '../../common/canonical-id';
import { IsChatText, IsOptionalNonNull } from '../../common/chat-text';

/** PUT: the room's editable fields as a whole; an omitted optional field returns to its default. */
export class ReplaceRoomDto {
  @IsChatText({ max: 200 })
  title: string;

  @ApiPropertyOptional({ description: 'Default: empty' })
  @IsChatText({ max: 2000, optional: true })
  description?: string;

  @ApiPropertyOptional({ description: 'Default: false' })
  @IsOptionalNonNull()
  @IsBoolean()
  isPublic?: boolean;

  @ApiPropertyOptional({ description: 'Accept guests (public group rooms only; making the room private turns it off). Turning it off removes the guests. Default: false' })
  @IsOptionalNonNull()
  @IsBoolean()
  allowGuests?: boolean;

  /** The room picture: an image you uploaded (`POST /images`); null removes it. Group rooms only. */
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true })
  @IsOptional()
  @IsChatId()
  imageId?: string | null;
}
