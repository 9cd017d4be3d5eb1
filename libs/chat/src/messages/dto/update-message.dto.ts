import { ApiProperty } from '@nestjs/swagger';
import { IsChatText } from '../../common/chat-text';

export class UpdateMessageDto {
  /** The new text; trimmed, not blank. */
  // At most `limits.maxMessageLength` (4000) once trimmed, checked by the service; 20,000 here stops the absurd early.
  @ApiProperty({ maxLength: 4000 })
  @IsChatText({ max: 20_000 })
  body: string;
}
