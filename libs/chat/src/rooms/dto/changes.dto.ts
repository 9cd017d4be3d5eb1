import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { MemberResponse } from '../../members/dto/member.response';
import { RoomResponse } from './room.response';
import { MessageResponse } from '../../messages/dto/message.response';

/** Room versions are stored in 32-bit integer columns. */
const MAX_VERSION = 2 ** 31 - 1;

/**
 * `?since=` plus the `?limit=&cursor=` of every list: a page holds at most `limit` changed rows (messages,
 * members and removals together); `cursor` is the `nextCursor` of the previous page, sent with `since` set to
 * that page's `version`.
 */
export class ChangesQueryDto extends PageQueryDto {
  /** The room version the client has; everything changed after it is returned. */
  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_VERSION })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_VERSION)
  since: number;
}

export class ChangesResponse {
  /**
   * The room version the response brings the client to: every change up to it has been returned. It is the
   * room's current version when `hasMore` is false; otherwise ask for the rest with `since` set to it.
   */
  @ApiProperty({ type: 'integer' })
  version: number;

  @ApiProperty({ type: RoomResponse })
  room: RoomResponse;

  /** Messages created or changed after `since`, by seq; deleted ones as tombstones. */
  @ApiProperty({ type: [MessageResponse] })
  messages: MessageResponse[];

  /** Members added or changed after `since`. */
  @ApiProperty({ type: [MemberResponse] })
  members: MemberResponse[];

  /** Users who left or were removed after `since` (and are not members now). */
  @ApiProperty({ type: [String] })
  removedMemberIds: string[];

  /** More changes follow: call again with `since` = `version` and `cursor` = `nextCursor`. */
  @ApiProperty()
  hasMore: boolean;

  /** Where the next page starts (with `since` = `version`); null when `hasMore` is false. */
  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}
