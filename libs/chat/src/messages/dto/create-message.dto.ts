import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional } from 'class-validator';
import { IsChatId } from '../../common/canonical-id';
import { IsChatText } from '../../common/chat-text';

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

  /** Chosen by the client, unique per sender: sending again with it returns the first message (200). */
  @IsChatText({ min: 1, max: 100, optional: true })
  clientId?: string;
}
