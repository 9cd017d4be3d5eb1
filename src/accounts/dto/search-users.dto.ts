import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsChatText } from '@parley/chat';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Most accounts one search returns. */
export const MAX_USER_SEARCH_RESULTS = 20;

/** `GET /api/v1/auth/users?q=`: accounts whose username starts with `q`, without regard to case. */
export class SearchUsersQueryDto {
  /** The start of the username (1 to 32 characters). */
  @IsChatText({ min: 1, max: 32 })
  q: string;

  /** At most this many accounts (1..20, default 20). */
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_USER_SEARCH_RESULTS, default: MAX_USER_SEARCH_RESULTS })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_USER_SEARCH_RESULTS)
  limit?: number;
}
