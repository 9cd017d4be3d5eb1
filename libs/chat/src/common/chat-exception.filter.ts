import { Catch, HttpException, Logger, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { serviceUnavailableOf } from './database-outage';
import { errorBodyOf } from './error-body';
import { describeError } from './error-summary';
import { retryAfterOf } from './service-unavailable.error';

/**
 * The chat routes' answer to an error that is not a ChatError or another HttpException: a fault of the
 * infrastructure (the database unreachable, the pool exhausted, a lock not granted) is 503 with its code and
 * `Retry-After`, logged once per outage by `databaseOutage`, not once per request; anything else is 500 with the
 * chat's error body (`code: INTERNAL`) and one log line that says what failed without what was sent. Nest's
 * default handler would log the error object itself, and TypeORM's errors carry the query and its parameters:
 * other users' message bodies, ids and clientIds. HTTP exceptions are answered with their status and body, with a
 * `Retry-After` header when their body has `retryAfterSeconds`.
 */
@Catch()
export class ChatExceptionFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('ChatHttp');

  override catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const known = exception instanceof HttpException ? exception : serviceUnavailableOf(exception);
    if (known) {
      const retryAfter = retryAfterOf(known);
      const response = http.getResponse<{ headersSent?: boolean; setHeader?: (name: string, value: number) => void }>();
      if (retryAfter !== undefined && !response.headersSent) response.setHeader?.('Retry-After', retryAfter);
      return super.catch(new HttpException(errorBodyOf(known), known.getStatus()), host);
    }
    const request = http.getRequest<{ method: string; path: string }>();
    this.logger.error(`${request.method} ${request.path} failed: ${describeError(exception)}`);
    http
      .getResponse<{ status: (code: number) => { json: (body: object) => void } }>()
      .status(500)
      .json({ statusCode: 500, message: 'Internal server error', error: 'Internal Server Error', code: 'INTERNAL' });
  }
}
