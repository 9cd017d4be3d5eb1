import { ApiProperty } from '@nestjs/swagger';
import type { RoomBanEntity } from '../entities/room-ban.entity';

export class BanResponse {
  @ApiProperty()
  userId: string;

  @ApiProperty({ type: String, nullable: true })
  reason: string | null;

  /** When the ban ends; null: until lifted. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  until: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  /** Who banned (the owner or an admin). */
  @ApiProperty()
  createdBy: string;
}

/** A page of BanResponse: the room's active bans, ordered by user id. */
export class BanPageResponse {
  @ApiProperty({ type: [BanResponse] })
  items: BanResponse[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass it as `?cursor=` for the next page; null on the last page' })
  nextCursor: string | null;
}

export function toBanResponse(ban: RoomBanEntity): BanResponse {
  return { userId: ban.userId, reason: ban.reason, until: ban.until?.toISOString() ?? null, createdAt: ban.createdAt.toISOString(), createdBy: ban.createdBy };
}
