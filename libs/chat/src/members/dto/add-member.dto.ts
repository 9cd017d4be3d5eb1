import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';

export class AddMemberDto {
  @ApiProperty({ maxLength: 255 })
  @IsString()
  @Length(1, 255)
  userId: string;

  /** Default `member`; only the owner may add an admin. Ownership is handed over with PATCH, not given here. */
  @ApiPropertyOptional({ enum: ['admin', 'member'], default: 'member' })
  @IsOptional()
  @IsIn(['admin', 'member'])
  role?: 'admin' | 'member';
}
