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

  @ApiProperty({ type: AccountResponse })
  user: AccountResponse;
}
