import { HttpException, Logger } from '@nestjs/common';
import { CHAT_ERROR_STATUS } from '../common/chat-error';
import { serviceUnavailableOf } from '../common/database-outage';
import { describeError } from '../common/error-summary';
import { retryAfterOf } from '../common/service-unavailable.error';
import type { ChatAck } from './chat-socket-events';

const logger = new Logger('ChatGateway');

/** The first chat error code of a status, for HTTP exceptions that are not ChatErrors (they carry no code). */
const codeOfStatus = (status: number): string =>
  (Object.entries(CHAT_ERROR_STATUS) as Array<[string, number]>).find(([, candidate]) => candidate === status)?.[0] ?? 'INTERNAL';

/** The acknowledgement of an event that failed unexpectedly (a bug): nothing more is told. */
export const INTERNAL_ERROR_ACK: ChatAck<never> = { ok: false, error: { statusCode: 500, message: 'Internal server error', code: 'INTERNAL' } };

/** The acknowledgement of a refused event: the HTTP status, message and code, and `retryAfterSeconds` when there is one. */
export function errorAck(error: HttpException): ChatAck<never> {
  const response = error.getResponse();
  const message = typeof response === 'object' && response !== null && 'message' in response ? (response as { message: unknown }).message : error.message;
  const code = typeof response === 'object' && response !== null && 'code' in response ? String((response as { code: unknown }).code) : codeOfStatus(error.getStatus());
  const retryAfterSeconds = retryAfterOf(error);
  return {
    ok: false,
    error: { statusCode: error.getStatus(), message: Array.isArray(message) ? message.join('; ') : String(message), code, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) },
  };
}

/**
 * Runs a client event's work and answers the acknowledgement with the result or an HTTP-like error. Faults of the
 * infrastructure are mapped as on HTTP (503 `DATABASE_UNAVAILABLE`, `SERVER_BUSY`, `ROOM_BUSY` with
 * `retryAfterSeconds`; an outage is logged once, not per event); anything else unexpected is 500 `INTERNAL`.
 */
export async function acknowledge<T>(work: () => Promise<T>): Promise<ChatAck<T>> {
  try {
    return { ok: true, data: await work() };
  } catch (error) {
    if (error instanceof HttpException) return errorAck(error);
    const unavailable = serviceUnavailableOf(error);
    if (unavailable) return errorAck(unavailable);
    logger.error(`A socket event failed: ${describeError(error)}`);
    return INTERNAL_ERROR_ACK;
  }
}
