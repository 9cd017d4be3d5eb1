import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CHAT_ERROR_STATUS, type ChatErrorCode } from '../chat-error';

/**
 * The body of every error response: Nest's standard shape, plus a machine-readable `code` (validation errors have
 * `INVALID_INPUT`, and their `message` lists every problem, each naming its field).
 */
export class ErrorResponse {
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 404 })
  statusCode: number;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'What went wrong; a list of every invalid field for validation errors',
    example: 'Room not found',
  })
  message: string | string[];

  @ApiProperty({ description: 'The HTTP reason phrase', example: 'Not Found' })
  error: string;

  /** Present on every error: errors raised without one get the generic code of their status (see error-body.ts). */
  @ApiProperty({ enum: Object.keys(CHAT_ERROR_STATUS), enumName: 'ChatErrorCode', example: 'ROOM_NOT_FOUND' })
  code: ChatErrorCode;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 86_400, description: 'Seconds to wait before retrying (429 and 503; also the `Retry-After` header)', example: 3 })
  retryAfterSeconds?: number;
}
