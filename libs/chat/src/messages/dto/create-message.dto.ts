import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional } from 'class-validator';
import { IsChatId } from '../../common/canonical-id';
import { IsChatText, IsOptionalNonNull } from '../../common/chat-text';

/** Most users one message may mention. */
export const MAX_MENTIONS = 50;

export class CreateMessageDto {
  /** The text; trimmed, and required unless images are attached. */
  // At most `limits.maxMessageLength` (4000) once trimmed, checked by the service; 20,000 here stops the absurd early.
  @ApiPropertyOptional({ maxLength: 4000 })
  @IsChatText({ max: 20_000, optional: true })
  body?: string;

  /** Images you uploaded (`POST /images`), shown in this order; at most `images.maxImagesPerMessage` (10). */
  @ApiPropertyOptional({ type: 'array', items: { type: 'string', format: 'uuid' }, maxItems: 10 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsChatId({ each: true })
  imageIds?: string[];

  /** Makes the message a reply in the thread of this top-level message of the same room. */
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsChatId()
  parentId?: string;

  /** Users the message mentions: members of the room (else 400 `INVALID_MENTION`); repeats count once. */
  @ApiPropertyOptional({ type: 'array', items: { type: 'string', maxLength: 255 }, maxItems: MAX_MENTIONS })
  @IsOptionalNonNull()
  @IsArray()
  @ArrayMaxSize(MAX_MENTIONS)
  @IsChatText({ min: 1, max: 255, each: true })
  mentions?: string[];

  /** Chosen by the client, unique per sender: sending again with it returns the first message (200). */
  @IsChatText({ min: 1, max: 100, optional: true })
  clientId?: string;
}
