import { ApiProperty } from '@nestjs/swagger';
import { isMuted, type MemberRole, type RoomMemberEntity } from '../entities/room-member.entity';

export class MemberResponse {
  @ApiProperty()
  userId: string;

  /** Display name; null when the user never gave one. */
  @ApiProperty({ type: String, nullable: true })
  name: string | null;

  @ApiProperty({ enum: ['owner', 'admin', 'member'], enumName: 'MemberRole' })
  role: MemberRole;

  @ApiProperty({ format: 'date-time' })
  joinedAt: string;

  @ApiProperty({ type: 'integer' })
  lastReadSeq: number;

  @ApiProperty({ type: 'integer' })
  lastDeliveredSeq: number;

  /** Gets no pushes from the room: notification level `none`, or muted until a later time. */
  @ApiProperty()
  muted: boolean;

  /** Connected anywhere right now. */
  @ApiProperty()
  online: boolean;

  /** Read-only until then (silenced by the owner or an admin); null when not silenced. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  silencedUntil: string | null;
  /** Signed in as a guest (a guest token): shown with the name they gave. */
  @ApiProperty()
  guest: boolean;
}

/** A page of MemberResponse, as every list is paginated: `{ items, nextCursor }`. */
export class MemberPageResponse {
  @ApiProperty({ type: [MemberResponse] })
  items: MemberResponse[];

  /** Pass it as `?cursor=` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true, description: 'Pass it as `?cursor=` for the next page; null on the last page' })
  nextCursor: string | null;
}

export function toMemberResponse(member: RoomMemberEntity, name: string | null, online: boolean, guest = false): MemberResponse {
  return {
    userId: member.userId,
    name,
    role: member.role,
    joinedAt: member.joinedAt.toISOString(),
    lastReadSeq: member.lastReadSeq,
    lastDeliveredSeq: member.lastDeliveredSeq,
    muted: isMuted(member),
    online,
    silencedUntil: member.silencedUntil && member.silencedUntil.getTime() > Date.now() ? member.silencedUntil.toISOString() : null,
    guest,
  };
}
