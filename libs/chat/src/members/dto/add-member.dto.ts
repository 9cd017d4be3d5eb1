import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { IsChatText, IsOptionalNonNull } from '../../common/chat-text';

export class AddMemberDto {
  @IsChatText({ min: 1, max: 255 })
  userId: string;

  /** Default `member`; only the owner may add an admin. Ownership is handed over with PATCH, not given here. */
  @ApiPropertyOptional({ enum: ['admin', 'member'], description: 'Default: member' })
  @IsOptionalNonNull()
  @IsIn(['admin', 'member'])
  role?: 'admin' | 'member';
}
