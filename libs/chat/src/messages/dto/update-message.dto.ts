import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray } from 'class-validator';
import { IsChatText, IsOptionalNonNull } from '../../common/chat-text';
import { MAX_MENTIONS } from './create-message.dto';

export class UpdateMessageDto {
  /** The new text; trimmed, not blank. */
  // At most `limits.maxMessageLength` (4000) once trimmed, checked by the service; 20,000 here stops the absurd early.
  @ApiProperty({ maxLength: 4000 })
  @IsChatText({ max: 20_000 })
  body: string;

  /** The message's mentions from now on (members of the room, else 400 `INVALID_MENTION`); left out: unchanged. */
  @ApiPropertyOptional({ type: 'array', items: { type: 'string', maxLength: 255 }, maxItems: MAX_MENTIONS })
  @IsOptionalNonNull()
  @IsArray()
  @ArrayMaxSize(MAX_MENTIONS)
  @IsChatText({ min: 1, max: 255, each: true })
  mentions?: string[];
}
