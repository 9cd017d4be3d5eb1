import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponse } from './dto/error.response';

/** The error statuses the chat routes answer with (see API.md, "Errors"). */
export type ChatErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429;

const DEFAULT_DESCRIPTIONS: Record<ChatErrorStatus, string> = {
  400: 'Invalid input: a malformed or unknown field (validation errors list every problem in `message`)',
  401: 'No valid bearer token',
  403: 'Authenticated, but not allowed to do this',
  404: 'Not found, or not visible to the caller',
  409: 'Conflicts with the current state',
  413: 'Too large',
  415: 'Unsupported media type',
  429: 'Too many requests: retry a little later',
};

/**
 * Documents error responses with the `ErrorResponse` body: `@ApiChatErrors(400, 404)`, or with a description of
 * this route's own case: `@ApiChatErrors({ status: 413, description: 'Larger than the upload limit' })`.
 * On a controller class it applies to every route.
 */
export function ApiChatErrors(...errors: Array<ChatErrorStatus | { status: ChatErrorStatus; description: string }>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...errors.map((error) => {
      const { status, description } = typeof error === 'number' ? { status: error, description: DEFAULT_DESCRIPTIONS[error] } : error;
      return ApiResponse({ status, description, type: ErrorResponse });
    }),
  );
}
