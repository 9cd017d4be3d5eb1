import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Min } from 'class-validator';
import { MemberResponse } from '../../members/dto/member.response';
import { RoomResponse } from './room.response';
import { MessageResponse } from '../../messages/dto/message.response';

export class ChangesQueryDto {
  /** The room version the client has; everything changed after it is returned. */
  @ApiProperty({ type: 'integer', minimum: 0 })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  since: number;
}

export class ChangesResponse {
  /** The room version the response brings the client to. */
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
}
