import { SetMetadata, UseGuards, applyDecorators } from '@nestjs/common';
import type { ChatRateLimitKind } from '../chat.options';
import { ApiChatErrors } from '../common/api-error-responses';
import { ChatRateLimitGuard, RATE_LIMIT_KIND } from './rate-limit.guard';

/** What the refusal of each kind says (`REFUSAL` of chat-rate-limiter.ts, with a wait), as the documented example. */
const EXAMPLE: Record<ChatRateLimitKind, string> = {
  messages: 'Too many messages: retry in 1 s',
  rooms: 'Too many rooms created: retry in 30 s',
  memberAdds: 'Too many members added: retry in 6 s',
  uploads: 'Too many uploads: retry in 10 s',
  reactions: 'Too many reactions: retry in 1 s',
};

/**
 * A write that counts against the caller's per-user limit of `kind` (see `rateLimits`): 429 `RATE_LIMITED` with
 * `Retry-After` beyond it (documented with the route's other errors). Put it last (closest to the method) so it runs before the room's access check.
 */
export const RateLimit = (kind: ChatRateLimitKind): MethodDecorator =>
  applyDecorators(SetMetadata(RATE_LIMIT_KIND, kind), UseGuards(ChatRateLimitGuard), ApiChatErrors({ code: 'RATE_LIMITED', message: EXAMPLE[kind] }));
