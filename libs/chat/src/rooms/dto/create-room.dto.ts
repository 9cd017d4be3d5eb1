import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional } from 'class-validator';
import type { RoomType } from '../entities/room.entity';
import { IsChatId } from '../../common/canonical-id';
import { IsChatText, IsOptionalNonNull } from '../../common/chat-text';

export class CreateRoomDto {
  /** `direct`: one-to-one, exactly one other member. `group`: any number of members. */
  @ApiProperty({ enum: ['direct', 'group'], enumName: 'RoomType' })
  @IsIn(['direct', 'group'])
  type: RoomType;

  /** Group rooms only; a direct room's title is the other member's name. */
  @IsChatText({ max: 200, optional: true })
  title?: string;

  @IsChatText({ max: 2000, optional: true })
  description?: string;

  /** Group rooms only: listed in `GET /rooms?scope=public` and joinable by anyone. Default false. */
  @ApiPropertyOptional()
  @IsOptionalNonNull()
  @IsBoolean()
  isPublic?: boolean;

  /** The other members (the caller is added as owner, or as the other side of a direct room). */
  @ApiProperty({ type: [String], maxItems: 500 })
  @IsArray()
  @ArrayMaxSize(500)
  @IsChatText({ min: 1, max: 255, each: true })
  memberIds: string[];

  /** The room picture: an image you uploaded (`POST /images`); null removes it. Group rooms only. */
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true })
  @IsOptional()
  @IsChatId()
  imageId?: string | null;
}
