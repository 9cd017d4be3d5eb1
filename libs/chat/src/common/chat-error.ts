import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * Every domain error the chat services raise, with the HTTP status it maps to. The socket layer uses the same
 * table for its acknowledgements, so a code means the same thing on both transports.
 */
export const CHAT_ERROR_STATUS = {
  INVALID_INPUT: HttpStatus.BAD_REQUEST,
  INVALID_REACTION: HttpStatus.BAD_REQUEST,
  /** A mentioned user is not a member of the room. */
  INVALID_MENTION: HttpStatus.BAD_REQUEST,
  /** A Web Push endpoint that is not an https URL on an allowed push-service host. */
  PUSH_ENDPOINT_NOT_ALLOWED: HttpStatus.BAD_REQUEST,
  UNAUTHENTICATED: HttpStatus.UNAUTHORIZED,
  /** The standalone server's local accounts: a refresh token that is unknown, expired, used or revoked. */
  INVALID_REFRESH_TOKEN: HttpStatus.UNAUTHORIZED,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  MESSAGE_REJECTED: HttpStatus.FORBIDDEN,
  /** Banned from the room: cannot join or be added until the ban ends or is lifted. */
  BANNED: HttpStatus.FORBIDDEN,
  /** A silenced (read-only) member tried to send. */
  SILENCED: HttpStatus.FORBIDDEN,
  /** The room is frozen: only its owner and admins send. */
  ROOM_FROZEN: HttpStatus.FORBIDDEN,
  /** The other user blocked the caller. */
  BLOCKED: HttpStatus.FORBIDDEN,
  /** Guests may not do this. */
  GUEST_NOT_ALLOWED: HttpStatus.FORBIDDEN,
  /** The caller is banned from the whole server. */
  USER_BANNED: HttpStatus.FORBIDDEN,
  /** The standalone server's local accounts, when tokens are verified with an identity provider's key. */
  LOCAL_ACCOUNTS_DISABLED: HttpStatus.FORBIDDEN,
  ROOM_NOT_FOUND: HttpStatus.NOT_FOUND,
  MEMBER_NOT_FOUND: HttpStatus.NOT_FOUND,
  MESSAGE_NOT_FOUND: HttpStatus.NOT_FOUND,
  IMAGE_NOT_FOUND: HttpStatus.NOT_FOUND,
  USER_NOT_FOUND: HttpStatus.NOT_FOUND,
  REPORT_NOT_FOUND: HttpStatus.NOT_FOUND,
  BAN_NOT_FOUND: HttpStatus.NOT_FOUND,
  DEVICE_NOT_FOUND: HttpStatus.NOT_FOUND,
  /** No such route (or another 404 raised outside the chat's own services). */
  NOT_FOUND: HttpStatus.NOT_FOUND,
  ALREADY_MEMBER: HttpStatus.CONFLICT,
  CONFLICT: HttpStatus.CONFLICT,
  PAYLOAD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  UNSUPPORTED_MEDIA_TYPE: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  RATE_LIMITED: HttpStatus.TOO_MANY_REQUESTS,
  /** Slow mode: the member sent less than `slowModeSeconds` ago (`retryAfterSeconds` in the body). */
  SLOW_MODE: HttpStatus.TOO_MANY_REQUESTS,
  /** This node is shutting down: the request was not carried out; retry (another node will answer). */
  SHUTTING_DOWN: HttpStatus.SERVICE_UNAVAILABLE,
  /** The database cannot be reached: nothing was done (a send may have been written: retry with its clientId). */
  DATABASE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  /** Another transaction holds the room: the send was not written; retry it (with its clientId). */
  ROOM_BUSY: HttpStatus.SERVICE_UNAVAILABLE,
  /** This node is overloaded (socket handshakes beyond its queue, requests that waited too long for a database connection). */
  SERVER_BUSY: HttpStatus.SERVICE_UNAVAILABLE,
  /** A fault of the server itself: logged, nothing about it is told to the client. */
  INTERNAL: HttpStatus.INTERNAL_SERVER_ERROR,
} as const satisfies Record<string, HttpStatus>;

export type ChatErrorCode = keyof typeof CHAT_ERROR_STATUS;

/** The reason phrase of each status an error of ours can have: the body's `error`. */
export const STATUS_REASON: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * A domain error. It is an HttpException so that Nest renders it with its standard body in any host app,
 * without the host registering a filter; `code` is added to the body for clients that branch on it.
 */
export class ChatError extends HttpException {
  constructor(
    readonly code: ChatErrorCode,
    message: string,
  ) {
    const statusCode = CHAT_ERROR_STATUS[code];
    super({ statusCode, message, error: STATUS_REASON[statusCode], code }, statusCode);
  }
}

export const roomNotFound = (): ChatError => new ChatError('ROOM_NOT_FOUND', 'Room not found');
