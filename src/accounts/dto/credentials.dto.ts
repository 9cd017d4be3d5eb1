import { ApiProperty } from '@nestjs/swagger';
import { IsChatText } from '@parley/chat';
import { Matches } from 'class-validator';

export class CredentialsDto {
  /** 3 to 32 letters, digits, `.`, `_` or `-`; unique without regard to case. */
  @ApiProperty({ pattern: '^[A-Za-z0-9._-]+$' })
  @IsChatText({ min: 3, max: 32 })
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'username may contain only letters, digits, ".", "_" and "-"' })
  username: string;

  /** 8 to 128 characters, without control characters (tab and line breaks aside). */
  @ApiProperty({ format: 'password' })
  @IsChatText({ min: 8, max: 128 })
  password: string;
}
