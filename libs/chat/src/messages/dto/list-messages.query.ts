import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_INT32, PageQueryDto } from '../../common/pagination';
import { IsChatId } from '../../common/canonical-id';
import { IsChatDateTime } from '../../common/chat-date-time';
import { IsChatText } from '../../common/chat-text';

export class ListMessagesQueryDto extends PageQueryDto {
  /** List one thread (oldest first) instead of the room's top-level messages (newest first). */
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsChatId()
  parentId?: string;

  /** Only messages with a smaller seq. */
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_INT32 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_INT32)
  beforeSeq?: number;

  /** Only messages with a greater seq. */
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_INT32 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_INT32)
  afterSeq?: number;

  /** Case-insensitive text match anywhere in the body (deleted messages never match). */
  @IsChatText({ min: 1, max: 200, optional: true })
  q?: string;

  @IsChatText({ min: 1, max: 255, optional: true })
  senderId?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsChatDateTime()
  createdAfter?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsChatDateTime()
  createdBefore?: string;
}
