import { Catch, HttpException, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { errorBodyOf, serviceUnavailableOf } from '@parley/chat';
import type { Response } from 'express';

/**
 * The standalone server's routes outside the chat (local accounts, health, the demo) answer a database outage as
 * the chat routes do: 503 `DATABASE_UNAVAILABLE` (or `SERVER_BUSY` for an exhausted pool) with `Retry-After`, the
 * outage logged once by the library's `databaseOutage` instead of a stack trace per request. The chat routes have
 * their own filter (`ChatExceptionFilter`), which takes precedence. Every HTTP error gets the chat's body with a
 * `code` (the throttler's 429, a wrong password's 401, an unknown route's 404, a path that cannot be decoded); anything
 * else goes to Nest's default handler.
 */
const isHealthCheckResult = (body: unknown): boolean => typeof body === 'object' && body !== null && 'details' in body && 'status' in body;

@Catch()
export class DatabaseUnavailableFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    // A health check's 503 (terminus: `{ status, info, error, details }`) is that route's documented answer, kept as it is.
    if (host.getType() === 'http' && exception instanceof HttpException && !isHealthCheckResult(exception.getResponse())) {
      return super.catch(new HttpException(errorBodyOf(exception), exception.getStatus()), host);
    }
    const unavailable = host.getType() === 'http' && !(exception instanceof HttpException) ? serviceUnavailableOf(exception) : null;
    if (!unavailable) return super.catch(exception, host);
    const response = host.switchToHttp().getResponse<Response>();
    if (!response.headersSent) response.setHeader('Retry-After', unavailable.retryAfterSeconds);
    super.catch(unavailable, host);
  }
}
