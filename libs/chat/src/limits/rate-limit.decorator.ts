import { SetMetadata, UseGuards, applyDecorators } from '@nestjs/common';
import type { ChatRateLimitKind } from '../chat.options';
import { ApiChatErrors } from '../common/api-error-responses';
import { ChatRateLimitGuard, RATE_LIMIT_KIND } from './rate-limit.guard';

const DESCRIPTION: Record<ChatRateLimitKind, string> = {
  messages: 'Too many messages from the caller (HTTP and socket together): retry after `Retry-After` seconds',
  rooms: 'Too many rooms created by the caller: retry after `Retry-After` seconds',
  memberAdds: 'Too many members added or rooms joined by the caller: retry after `Retry-After` seconds',
  uploads: 'Too many uploads from the caller: retry after `Retry-After` seconds',
  reactions: 'Too many reactions from the caller: retry after `Retry-After` seconds',
};

/**
 * A write that counts against the caller's per-user limit of `kind` (see `rateLimits`): 429 `RATE_LIMITED` with
 * `Retry-After` beyond it. Put it last (closest to the method) so it runs before the room's access check.
 */
export const RateLimit = (kind: ChatRateLimitKind): MethodDecorator =>
  applyDecorators(SetMetadata(RATE_LIMIT_KIND, kind), UseGuards(ChatRateLimitGuard), ApiChatErrors({ status: 429, description: DESCRIPTION[kind] }));
