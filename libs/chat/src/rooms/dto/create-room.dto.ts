import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import type { RoomType } from '../entities/room.entity';
import { IsChatId } from '../../common/canonical-id';

export class CreateRoomDto {
  /** `direct`: one-to-one, exactly one other member. `group`: any number of members. */
  @ApiProperty({ enum: ['direct', 'group'], enumName: 'RoomType' })
  @IsIn(['direct', 'group'])
  type: RoomType;

  /** Group rooms only; a direct room's title is the other member's name. */
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  /** Group rooms only: listed in `GET /rooms?scope=public` and joinable by anyone. */
  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  isPublic?: boolean;

  /** The other members (the caller is added as owner, or as the other side of a direct room). */
  @ApiProperty({ type: [String], maxItems: 500 })
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @Length(1, 255, { each: true })
  memberIds: string[];

  /** The room picture: an image you uploaded (`POST /images`); null removes it. Group rooms only. */
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true })
  @IsOptional()
  @IsChatId()
  imageId?: string | null;
}
