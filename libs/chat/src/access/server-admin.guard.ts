import { Injectable, NotFoundException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { ChatRequest } from '../auth/chat-auth.guard';
import { ServerAdmins } from './server-admins';

/**
 * Lets server administrators through to `/admin`; anybody else gets the very answer Nest gives for a route that does
 * not exist (404 `Cannot <METHOD> <url>`), so the administration routes cannot be told from missing ones. Runs after
 * ChatAuthGuard, before validation (a non-administrator's bad body is 404 too).
 */
@Injectable()
export class ServerAdminGuard implements CanActivate {
  constructor(private readonly admins: ServerAdmins) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ChatRequest>();
    const principal = request.chatPrincipal;
    if (!principal) throw new Error('ServerAdminGuard runs after ChatAuthGuard');
    if (await this.admins.allows(principal)) return true;
    throw new NotFoundException(`Cannot ${request.method} ${request.originalUrl}`);
  }
}
