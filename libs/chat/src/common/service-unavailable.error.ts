import { HttpException } from '@nestjs/common';
import { ChatError, type ChatErrorCode } from './chat-error';

/** The 503 codes that say when to come back. */
export type RetryLaterCode = Extract<ChatErrorCode, 'DATABASE_UNAVAILABLE' | 'ROOM_BUSY' | 'SERVER_BUSY' | 'SHUTTING_DOWN'>;

/**
 * 503 with how long to wait: `retryAfterSeconds` in the body (HTTP) and in the socket ack's error (or the
 * `connect_error`'s `data`); the chat's exception filters also set the `Retry-After` header from it. The request
 * was not carried out (for `DATABASE_UNAVAILABLE`, a send whose connection was lost while it committed may have
 * been written: a retry with the same clientId gets that message, never a second one).
 */
export class ServiceUnavailableError extends ChatError {
  constructor(
    code: RetryLaterCode,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(code, message);
  }

  override getResponse(): Record<string, unknown> {
    return { ...(super.getResponse() as Record<string, unknown>), retryAfterSeconds: this.retryAfterSeconds };
  }
}

/** Seconds a client is told to wait after 503 `DATABASE_UNAVAILABLE`. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
/** Seconds a client is told to wait after 503 `ROOM_BUSY`. */
export const ROOM_BUSY_RETRY_AFTER_SECONDS = 2;

export const databaseUnavailable = (): ServiceUnavailableError =>
  new ServiceUnavailableError('DATABASE_UNAVAILABLE', 'The database is unavailable: retry shortly', DATABASE_RETRY_AFTER_SECONDS);

export const roomBusy = (): ServiceUnavailableError =>
  new ServiceUnavailableError('ROOM_BUSY', 'The room is busy (another transaction holds it): the message was not written; send it again', ROOM_BUSY_RETRY_AFTER_SECONDS);

/** `retryAfterSeconds` of an error's response body (ServiceUnavailableError, RateLimitedError, ...), if any. */
export function retryAfterOf(error: unknown): number | undefined {
  if (!(error instanceof HttpException)) return undefined;
  const response = error.getResponse();
  const value = typeof response === 'object' && response !== null ? (response as { retryAfterSeconds?: unknown }).retryAfterSeconds : undefined;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
