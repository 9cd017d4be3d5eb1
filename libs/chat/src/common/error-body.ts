import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { CHAT_ERROR_STATUS, type ChatErrorCode } from './chat-error';

/** The body every error response has (ErrorResponse): Nest's shape and a `code`, with any extra fields kept. */
export interface ErrorBody {
  statusCode: number;
  message: string | string[];
  error: string;
  code: string;
  [extra: string]: unknown;
}

/**
 * The code of an error raised without one (Nest's own exceptions, the throttler's, the router's "Failed to decode
 * param", a host's): the generic code of its status, so a client can always branch on `code`.
 */
const GENERIC_CODE: Partial<Record<number, ChatErrorCode>> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVER_BUSY',
};

const isChatErrorCode = (value: unknown): value is ChatErrorCode => typeof value === 'string' && value in CHAT_ERROR_STATUS;

/** The generic code of an HTTP status: `NOT_FOUND` for 404, `INVALID_INPUT` for other 4xx, `INTERNAL` for 5xx. */
export function codeOfStatus(status: number): ChatErrorCode {
  return GENERIC_CODE[status] ?? (status < 500 ? 'INVALID_INPUT' : 'INTERNAL');
}

/** The response body of an HTTP exception with every field of ErrorResponse: its own, or filled in from its status. */
export function errorBodyOf(exception: HttpException): ErrorBody {
  const statusCode = exception.getStatus();
  const response = exception.getResponse();
  const given = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : { message: response };
  const message = typeof given.message === 'string' || Array.isArray(given.message) ? (given.message as string | string[]) : exception.message;
  return {
    ...given,
    statusCode,
    message,
    error: typeof given.error === 'string' ? given.error : (STATUS_CODES[statusCode] ?? 'Error'),
    code: isChatErrorCode(given.code) ? given.code : codeOfStatus(statusCode),
  };
}
