import { ApiProperty } from '@nestjs/swagger';

/** An earlier version of an edited message. */
export class MessageEditResponse {
  /** The text the message had. */
  @ApiProperty()
  body: string;

  /** When an edit replaced it. */
  @ApiProperty({ format: 'date-time' })
  replacedAt: string;
}

/** A page of MessageEditResponse, as every list is paginated: `{ items, nextCursor }`. */
export class MessageEditPageResponse {
  @ApiProperty({ type: [MessageEditResponse] })
  items: MessageEditResponse[];

  /** Pass it as `?cursor=` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true, description: 'Pass it as `?cursor=` for the next page; null on the last page' })
  nextCursor: string | null;
}
