import { ApiProperty } from '@nestjs/swagger';

export class AccountResponse {
  @ApiProperty()
  id: string;

  @ApiProperty()
  username: string;
}

export class AuthResponse {
  /** A JWT for `Authorization: Bearer` and the socket handshake (`sub` = user id, `name` = username). */
  @ApiProperty()
  accessToken: string;

  /**
   * Opaque (256 random bits, base64url): exchanged at `POST /api/v1/auth/refresh` for a new access token and the
   * next refresh token; each one works once. Valid for REFRESH_TOKEN_TTL_SECONDS.
   */
  @ApiProperty({ example: 'S2xq3Q0m2l7b3m5m6JfQ9h0yC8v1t4WkS7n6d5e4f3g' })
  refreshToken: string;

  /** Seconds until the access token expires (TOKEN_TTL_SECONDS): renew it before then. */
  @ApiProperty({ type: 'integer', minimum: 1, example: 3600 })
  expiresIn: number;

  @ApiProperty({ type: AccountResponse })
  user: AccountResponse;
}
