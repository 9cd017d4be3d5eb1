import { ApiProperty } from '@nestjs/swagger';
import { IsChatText } from '@parley/chat';
import { Matches } from 'class-validator';

/** `POST /api/v1/auth/guest`: a guest needs only a display name. */
export class GuestDto {
  /** Shown to the other members as given (trimmed), marked as a guest; 1 to 200 characters, not only spaces. */
  @IsChatText({ min: 1, max: 200 })
  @Matches(/\S/, { message: 'name must contain more than spaces' })
  name: string;
}

export class GuestAccountResponse {
  /** `guest-` and a random UUID: never the id of a local account (a bare UUID) nor of another guest. */
  @ApiProperty()
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ enum: [true] })
  guest: true;
}

export class GuestAuthResponse {
  /** A JWT with the claim `guest: true`, valid for GUEST_TOKEN_TTL_SECONDS; there is no way to renew it. */
  @ApiProperty()
  accessToken: string;

  @ApiProperty({ type: GuestAccountResponse })
  user: GuestAccountResponse;
}
