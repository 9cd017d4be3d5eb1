import { HttpException, Logger } from '@nestjs/common';
import type { ChatAck } from './chat-socket-events';

const logger = new Logger('ChatGateway');

/** Runs a client event's work and answers the acknowledgement with the result or an HTTP-like error. */
export async function acknowledge<T>(work: () => Promise<T>): Promise<ChatAck<T>> {
  try {
    return { ok: true, data: await work() };
  } catch (error) {
    if (error instanceof HttpException) {
      const response = error.getResponse();
      const message = typeof response === 'object' && response !== null && 'message' in response ? (response as { message: unknown }).message : error.message;
      return { ok: false, error: { statusCode: error.getStatus(), message: Array.isArray(message) ? message.join('; ') : String(message) } };
    }
    logger.error(`A socket event failed: ${error instanceof Error ? error.stack : String(error)}`);
    return { ok: false, error: { statusCode: 500, message: 'Internal server error' } };
  }
}
