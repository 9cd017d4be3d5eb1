import { Catch, HttpException, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { serviceUnavailableOf } from '@parley/chat';
import type { Response } from 'express';

/**
 * The standalone server's routes outside the chat (local accounts, health, the demo) answer a database outage as
 * the chat routes do: 503 `DATABASE_UNAVAILABLE` (or `SERVER_BUSY` for an exhausted pool) with `Retry-After`, the
 * outage logged once by the library's `databaseOutage` instead of a stack trace per request. The chat routes have
 * their own filter (`ChatExceptionFilter`), which takes precedence; everything else goes to Nest's default handler.
 */
@Catch()
export class DatabaseUnavailableFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    const unavailable = host.getType() === 'http' && !(exception instanceof HttpException) ? serviceUnavailableOf(exception) : null;
    if (!unavailable) return super.catch(exception, host);
    const response = host.switchToHttp().getResponse<Response>();
    if (!response.headersSent) response.setHeader('Retry-After', unavailable.retryAfterSeconds);
    super.catch(unavailable, host);
  }
}
