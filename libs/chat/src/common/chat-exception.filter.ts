import { Catch, HttpException, Logger, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { describeError } from './error-summary';

/**
 * The chat routes' answer to an error that is not a ChatError or another HttpException: 500 with the chat's error
 * body (`code: INTERNAL`) and one log line that says what failed without what was sent. Nest's default handler
 * would log the error object itself, and TypeORM's errors carry the query and its parameters: other users' message
 * bodies, ids and clientIds. HTTP exceptions are answered as Nest always does.
 */
@Catch()
export class ChatExceptionFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('ChatHttp');

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof HttpException) return super.catch(exception, host);
    const http = host.switchToHttp();
    const request = http.getRequest<{ method: string; path: string }>();
    this.logger.error(`${request.method} ${request.path} failed: ${describeError(exception)}`);
    http
      .getResponse<{ status: (code: number) => { json: (body: object) => void } }>()
      .status(500)
      .json({ statusCode: 500, message: 'Internal server error', error: 'Internal Server Error', code: 'INTERNAL' });
  }
}
