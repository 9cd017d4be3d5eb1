import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

export class UpdateMessageDto {
  /** The new text; trimmed, not blank. */
  @ApiProperty({ maxLength: 4000 })
  @IsString()
  @MaxLength(20_000)
  body: string;
}
