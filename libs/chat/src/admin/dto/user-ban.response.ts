import { ApiProperty } from '@nestjs/swagger';
import type { UserBanEntity } from '../../users/entities/user-ban.entity';

/** A server-wide ban. */
export class UserBanResponse {
  @ApiProperty()
  userId: string;

  @ApiProperty({ type: String, nullable: true })
  reason: string | null;

  /** When it ends by itself; null: until it is lifted. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  until: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  /** The administrator who banned. */
  @ApiProperty()
  createdBy: string;
}

export const toUserBanResponse = (ban: UserBanEntity): UserBanResponse => ({
  userId: ban.userId,
  reason: ban.reason,
  until: ban.until?.toISOString() ?? null,
  createdAt: ban.createdAt.toISOString(),
  createdBy: ban.createdBy,
});
