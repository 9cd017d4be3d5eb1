import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, Max, Min } from 'class-validator';
import { IsChatId } from '../../common/canonical-id';

/** `POST /rooms/{roomId}/read` and `/delivered`: up to which seq. */
export class SeqDto {
  @ApiProperty({ type: 'integer', minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  seq: number;
}

/** `POST /rooms/{roomId}/messages/seen`: marks read up to the newest of these messages. */
export class SeenDto {
  @ApiProperty({ type: 'array', items: { type: 'string', format: 'uuid' }, minItems: 1, maxItems: 100 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsChatId({ each: true })
  messageIds: string[];
}

export class ReadStateResponse {
  @ApiProperty()
  roomId: string;

  @ApiProperty({ type: 'integer' })
  lastReadSeq: number;

  @ApiProperty({ type: 'integer' })
  lastDeliveredSeq: number;

  @ApiProperty({ type: 'integer' })
  unreadCount: number;
}

export class ReceiptsResponse {
  /** Members (other than the sender) whose read pointer reached the message. */
  @ApiProperty({ type: [String] })
  seenBy: string[];

  /** Members (other than the sender) whose client received the message. */
  @ApiProperty({ type: [String] })
  deliveredTo: string[];
}
