import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import type { ChatRequest } from '../auth/chat-auth.guard';
import type { ChatRateLimitKind } from '../chat.options';
import { ChatRateLimiter } from './chat-rate-limiter';
import { RateLimitedError } from './rate-limited.error';

export const RATE_LIMIT_KIND = 'parley:rate-limit-kind';

/**
 * Counts a route's call against the caller's per-user limit of the kind `@RateLimit(kind)` names (after
 * ChatAuthGuard, before the room's access check and before any body is read). Sets `X-RateLimit-Limit`,
 * `X-RateLimit-Remaining` and `X-RateLimit-Reset`; beyond the limit 429 `RATE_LIMITED` with `Retry-After`.
 */
@Injectable()
export class ChatRateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: ChatRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const kind = this.reflector.get<ChatRateLimitKind | undefined>(RATE_LIMIT_KIND, context.getHandler());
    const principal = context.switchToHttp().getRequest<ChatRequest>().chatPrincipal;
    if (!kind || !principal) return true;
    const response = context.switchToHttp().getResponse<Response>();
    try {
      const state = await this.limiter.consume(principal, kind);
      if (state) {
        response.setHeader('X-RateLimit-Limit', state.limit);
        response.setHeader('X-RateLimit-Remaining', state.remaining);
        response.setHeader('X-RateLimit-Reset', state.resetSeconds);
      }
    } catch (error) {
      if (error instanceof RateLimitedError) response.setHeader('Retry-After', error.retryAfterSeconds);
      throw error;
    }
    return true;
  }
}
