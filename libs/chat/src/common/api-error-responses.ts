import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { CHAT_ERROR_STATUS, STATUS_REASON, type ChatErrorCode } from './chat-error';
import { ErrorResponse } from './dto/error.response';

/**
 * What a route can answer with one error code: the code alone (its usual message, below), or the code with the
 * message this route really gives. The message is the example's `message` and says when it happens.
 */
export type ApiErrorCase = ChatErrorCode | { code: ChatErrorCode; message: string | string[] };

/** The message of a code when the route does not give its own: what the services send in the common case. */
const USUAL_MESSAGE: Record<ChatErrorCode, string> = {
  INVALID_INPUT: 'cursor is not valid',
  INVALID_REACTION: 'Invalid reaction: "not an emoji"',
  INVALID_MENTION: 'mentions must name members of the room',
  PUSH_ENDPOINT_NOT_ALLOWED: 'subscription.endpoint must be an https URL of an allowed push service',
  UNAUTHENTICATED: 'The token has expired',
  INVALID_REFRESH_TOKEN: 'The refresh token is not valid (unknown, expired, used or revoked): log in again',
  FORBIDDEN: 'Only the owner and admins can do this',
  MESSAGE_REJECTED: 'The message was rejected',
  BANNED: 'Banned from this room',
  SILENCED: 'You are silenced in this room',
  ROOM_FROZEN: 'This room is frozen: only the owner and admins can send',
  BLOCKED: 'This user has blocked you',
  GUEST_NOT_ALLOWED: 'Guests cannot do this',
  USER_BANNED: 'You are banned from this server until 2026-12-31T00:00:00.000Z',
  LOCAL_ACCOUNTS_DISABLED: 'Local accounts are disabled: this server verifies tokens of an identity provider (JWT_PUBLIC_KEY or JWT_JWKS_URI). Sign in there.',
  ROOM_NOT_FOUND: 'Room not found',
  MEMBER_NOT_FOUND: 'Member not found',
  MESSAGE_NOT_FOUND: 'Message not found',
  IMAGE_NOT_FOUND: 'Image not found',
  USER_NOT_FOUND: 'No user has the id user-42',
  REPORT_NOT_FOUND: 'Report not found',
  BAN_NOT_FOUND: 'That user is not banned from this room',
  DEVICE_NOT_FOUND: 'Device not found',
  NOT_FOUND: 'Cannot GET /api/v1/chat/nothing',
  ALREADY_MEMBER: 'That user is already a member of this room',
  CONFLICT: 'Conflicts with the current state',
  PAYLOAD_TOO_LARGE: 'The JSON body is larger than 256 KiB',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported charset "LATIN9"',
  RATE_LIMITED: 'Too many requests: retry in 3 s',
  SLOW_MODE: 'Slow mode: you can send again in 12 s',
  SHUTTING_DOWN: 'This node is shutting down: retry',
  DATABASE_UNAVAILABLE: 'The database is unavailable: retry shortly',
  ROOM_BUSY: 'The room is busy (another transaction holds it): the message was not written; send it again',
  SERVER_BUSY: 'The server is busy: retry shortly',
  INTERNAL: 'Internal server error',
};

/** The codes that say how long to wait, in `retryAfterSeconds` and the `Retry-After` header. */
const RETRY_LATER: ReadonlySet<ChatErrorCode> = new Set(['RATE_LIMITED', 'SLOW_MODE', 'SHUTTING_DOWN', 'DATABASE_UNAVAILABLE', 'ROOM_BUSY', 'SERVER_BUSY']);

/** `Retry-After` as documented on every 429 and 503. */
export const RETRY_AFTER_HEADER = {
  description: 'Seconds to wait before retrying (also `retryAfterSeconds` in the body)',
  schema: { type: 'integer', minimum: 0, maximum: 86_400 },
} as const;

/** The body of an error response of `code` with `message`, as the server sends it. */
export function errorExample(code: ChatErrorCode, message: string | string[] = USUAL_MESSAGE[code]): Record<string, unknown> {
  const statusCode = CHAT_ERROR_STATUS[code];
  return { statusCode, message, error: STATUS_REASON[statusCode], code, ...(RETRY_LATER.has(code) && { retryAfterSeconds: code === 'SLOW_MODE' ? 12 : 3 }) };
}

const caseOf = (error: ApiErrorCase) => (typeof error === 'string' ? { code: error, message: USUAL_MESSAGE[error] } : error);

/** One documented error response: its description, an example per case, and `Retry-After` when it says when to retry. */
export interface ErrorResponseDescription {
  description: string;
  examples: Record<string, { summary: string; value: Record<string, unknown> }>;
  headers?: { 'Retry-After': typeof RETRY_AFTER_HEADER };
}

/**
 * The responses of a list of error cases, by status. An example is named by its code (`name` when given); a second
 * case of one code (two different FORBIDDEN reasons) is `<CODE>_2`.
 */
export function errorResponses(errors: Array<ApiErrorCase | { code: ChatErrorCode; message: string | string[]; name: string }>): Map<number, ErrorResponseDescription> {
  const byStatus = new Map<number, Array<{ code: ChatErrorCode; message: string | string[]; name?: string }>>();
  for (const error of errors.map((error) => (typeof error === 'string' ? caseOf(error) : error))) {
    const status = CHAT_ERROR_STATUS[error.code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), error]);
  }
  const text = (message: string | string[]) => (Array.isArray(message) ? message.join('; ') : message);
  return new Map(
    [...byStatus].map(([status, cases]) => {
      const examples = Object.fromEntries(
        cases.map(({ code, message, name }, index) => {
          const unique = name ?? (cases.findIndex((other) => other.code === code) === index ? code : `${code}_${index + 1}`);
          return [unique, { summary: text(message), value: errorExample(code, message) }];
        }),
      );
      const description = cases.map(({ code, message }) => `\`${code}\`: ${text(message)}`).join('\n\n');
      return [status, { description, examples, ...(cases.some(({ code }) => RETRY_LATER.has(code)) && { headers: { 'Retry-After': RETRY_AFTER_HEADER } }) }];
    }),
  );
}

/**
 * Documents the errors a route can answer, by code: one response per status, with the `ErrorResponse` body, a
 * description listing the codes, an example of each, and `Retry-After` on 429 and 503.
 * `@ApiErrors('ROOM_NOT_FOUND', { code: 'FORBIDDEN', message: 'Only the owner can delete this room' })`.
 * Used several times on one route (or by another decorator such as `@RateLimit`), the cases of a status add up.
 */
export function ApiErrors(...errors: ApiErrorCase[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...[...errorResponses(errors)].map(([status, response]) => ApiResponse({ status, type: ErrorResponse, ...response })));
}

/**
 * The errors every chat route can answer whatever it does (ChatAuthGuard, the database): declared once on each chat
 * controller (`ChatApi`). A route that documents a status of its own replaces the controller's response of that
 * status, so `ApiChatErrors` adds these codes back to it.
 */
export const EVERY_CHAT_ROUTE: readonly ChatErrorCode[] = ['UNAUTHENTICATED', 'USER_BANNED', 'DATABASE_UNAVAILABLE'];

/** `ApiErrors` for a chat route: the route's own cases, and those of `EVERY_CHAT_ROUTE` of the same statuses. */
export function ApiChatErrors(...errors: ApiErrorCase[]): MethodDecorator & ClassDecorator {
  const statuses = new Set(errors.map((error) => CHAT_ERROR_STATUS[caseOf(error).code]));
  return ApiErrors(...errors, ...EVERY_CHAT_ROUTE.filter((code) => statuses.has(CHAT_ERROR_STATUS[code]) && !errors.some((error) => caseOf(error).code === code)));
}
