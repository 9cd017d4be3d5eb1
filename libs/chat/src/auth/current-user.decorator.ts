import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ChatRequest } from './chat-auth.guard';
import type { ChatPrincipal } from './chat-principal';

/** The caller that ChatAuthGuard authenticated. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): ChatPrincipal => {
  const principal = context.switchToHttp().getRequest<ChatRequest>().chatPrincipal;
  if (!principal) throw new Error('CurrentUser used on a route without ChatAuthGuard');
  return principal;
});
