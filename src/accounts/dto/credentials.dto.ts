import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

export class CredentialsDto {
  /** 3 to 32 letters, digits, `.`, `_` or `-`; unique without regard to case. */
  @ApiProperty({ minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9._-]+$' })
  @IsString()
  @Length(3, 32)
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'username may contain only letters, digits, ".", "_" and "-"' })
  username: string;

  @ApiProperty({ minLength: 8, maxLength: 128, format: 'password' })
  @IsString()
  @Length(8, 128)
  password: string;
}
