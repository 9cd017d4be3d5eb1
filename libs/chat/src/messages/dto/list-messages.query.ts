import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Length, Min } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsChatId } from '../../common/canonical-id';

export class ListMessagesQueryDto extends PageQueryDto {
  /** List one thread (oldest first) instead of the room's top-level messages (newest first). */
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsChatId()
  parentId?: string;

  /** Only messages with a smaller seq. */
  @ApiPropertyOptional({ type: 'integer', minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  beforeSeq?: number;

  /** Only messages with a greater seq. */
  @ApiPropertyOptional({ type: 'integer', minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  afterSeq?: number;

  /** Case-insensitive text match anywhere in the body (deleted messages never match). */
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 255)
  senderId?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  createdAfter?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  createdBefore?: string;
}
