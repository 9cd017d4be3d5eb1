import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { IsChatId } from '../../common/canonical-id';

export class CreateMessageDto {
  /** The text; trimmed, and required unless images are attached. */
  @ApiPropertyOptional({ maxLength: 4000 })
  @IsOptional()
  @IsString()
  @MaxLength(20_000)
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
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  clientId?: string;
}
