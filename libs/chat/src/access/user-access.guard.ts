import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ChatRequest } from '../auth/chat-auth.guard';
import { ChatError } from '../common/chat-error';
import { USER_RULES } from './access-rules';
import type { UserPermission } from './user-permission';

/** The metadata key of `@RequireUser`. */
export const REQUIRED_USER_PERMISSION = 'parley:required-user-permission';

/**
 * Lets a request through when the caller holds the route's permission outside rooms (`@RequireUser`); else 403
 * GUEST_NOT_ALLOWED. Runs after ChatAuthGuard, which the controller declares first. It needs nothing but the rule
 * and the principal, so the standalone server's own routes use it as well.
 */
@Injectable()
export class UserAccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const permission = this.reflector.get<UserPermission | undefined>(REQUIRED_USER_PERMISSION, context.getHandler());
    if (!permission) return true;
    const principal = context.switchToHttp().getRequest<ChatRequest>().chatPrincipal;
    if (!principal) throw new Error('UserAccessGuard runs after ChatAuthGuard');
    if (!USER_RULES[permission](principal)) throw new ChatError('GUEST_NOT_ALLOWED', 'Guests cannot do this');
    return true;
  }
}
