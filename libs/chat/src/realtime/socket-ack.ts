import { HttpException, Logger } from '@nestjs/common';
import { CHAT_ERROR_STATUS } from '../common/chat-error';
import { describeError } from '../common/error-summary';
import type { ChatAck } from './chat-socket-events';

const logger = new Logger('ChatGateway');

/** The first chat error code of a status, for HTTP exceptions that are not ChatErrors (they carry no code). */
const codeOfStatus = (status: number): string =>
  (Object.entries(CHAT_ERROR_STATUS) as Array<[string, number]>).find(([, candidate]) => candidate === status)?.[0] ?? 'INTERNAL';

/** Runs a client event's work and answers the acknowledgement with the result or an HTTP-like error. */
export async function acknowledge<T>(work: () => Promise<T>): Promise<ChatAck<T>> {
  try {
    return { ok: true, data: await work() };
  } catch (error) {
    if (error instanceof HttpException) {
      const response = error.getResponse();
      const message = typeof response === 'object' && response !== null && 'message' in response ? (response as { message: unknown }).message : error.message;
      const code = typeof response === 'object' && response !== null && 'code' in response ? String((response as { code: unknown }).code) : codeOfStatus(error.getStatus());
      return { ok: false, error: { statusCode: error.getStatus(), message: Array.isArray(message) ? message.join('; ') : String(message), code } };
    }
    logger.error(`A socket event failed: ${describeError(error)}`);
    return { ok: false, error: { statusCode: 500, message: 'Internal server error', code: 'INTERNAL' } };
  }
}
