import { ApiProperty } from '@nestjs/swagger';
import { AccountResponse } from './auth.response';

export class UserSearchResponse {
  /** Matching accounts by username (case-insensitive order), at most 20. */
  @ApiProperty({ type: [AccountResponse] })
  items: AccountResponse[];
}
