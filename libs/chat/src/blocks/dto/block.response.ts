import { ApiProperty } from '@nestjs/swagger';
import type { UserBlockEntity } from '../entities/user-block.entity';

/** A user the caller blocked. */
export class BlockResponse {
  @ApiProperty()
  userId: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

/** `GET /blocks`: every user the caller blocked, newest first (at most `limits.maxBlocksPerUser`: not paginated). */
export class BlockListResponse {
  @ApiProperty({ type: [BlockResponse] })
  items: BlockResponse[];
}

export function toBlockResponse(block: Pick<UserBlockEntity, 'blockedId' | 'createdAt'>): BlockResponse {
  return { userId: block.blockedId, createdAt: block.createdAt.toISOString() };
}
