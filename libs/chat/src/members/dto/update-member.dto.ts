import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import type { MemberRole } from '../entities/room-member.entity';

export class UpdateMemberDto {
  /** `owner` hands ownership over: the member becomes owner and the caller becomes admin. */
  @ApiProperty({ enum: ['owner', 'admin', 'member'], enumName: 'MemberRole' })
  @IsIn(['owner', 'admin', 'member'])
  role: MemberRole;
}
