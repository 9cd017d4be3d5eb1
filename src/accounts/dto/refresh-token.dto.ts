import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** The longest refresh token accepted: ours are 43 characters, the margin is for clients that pad or wrap them. */
export const MAX_REFRESH_TOKEN_LENGTH = 128;

/** `POST /api/v1/auth/refresh` and `POST /api/v1/auth/logout`: the refresh token from the last auth answer. */
export class RefreshTokenDto {
  @ApiProperty({ maxLength: MAX_REFRESH_TOKEN_LENGTH, example: 'S2xq3Q0m2l7b3m5m6JfQ9h0yC8v1t4WkS7n6d5e4f3g' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_REFRESH_TOKEN_LENGTH)
  refreshToken: string;
}
