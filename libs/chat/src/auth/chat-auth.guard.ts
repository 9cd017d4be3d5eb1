import { Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard, type IAuthModuleOptions } from '@nestjs/passport';
import type { Request } from 'express';
import { ChatConfig } from '../common/chat-config';
import { ServerBanCheck } from '../users/server-ban-check';
import { UsersService } from '../users/users.service';
import type { ChatPrincipal } from './chat-principal';
import { PARLEY_HOST_STRATEGY } from './parley-host.strategy';
import { PARLEY_JWT_STRATEGY } from './parley-jwt.strategy';
import { authenticationFailure, bearerToken, tokenRequired } from './token-verifier';

/** Where the guard puts the caller: the library's own request property, so the host's `request.user` is left alone. */
export const CHAT_PRINCIPAL_PROPERTY = 'chatPrincipal';

export type ChatRequest = Request & { chatPrincipal?: ChatPrincipal };

/**
 * Guards every chat route: a valid bearer token or 401, through passport. The strategy follows the options:
 * `parley-host` when the host gave an `authenticate` function, else `parley-jwt`. The caller goes to
 * `request.chatPrincipal` (read it with `@CurrentUser()`), without a session, and their chat profile is kept current.
 * A user banned from the server is refused here (403 `USER_BANNED`), on every chat route.
 */
@Injectable()
export class ChatAuthGuard extends AuthGuard() {
  constructor(
    config: ChatConfig,
    private readonly users: UsersService,
    private readonly serverBans: ServerBanCheck,
  ) {
    const options: IAuthModuleOptions = { defaultStrategy: config.options.authenticate ? PARLEY_HOST_STRATEGY : PARLEY_JWT_STRATEGY };
    super(options);
    // AuthGuard lets Nest replace `options` with the PassportModule options of the module the guard runs in (a host
    // module with its own default strategy, say `jwt`): the library's guard keeps its own strategy.
    Object.defineProperty(this, 'options', { get: () => options, set: () => undefined, enumerable: true });
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const principal = context.switchToHttp().getRequest<ChatRequest>().chatPrincipal;
    if (!principal) throw tokenRequired();
    await this.serverBans.refuseBanned(principal.userId);
    await this.users.touch(principal);
    return true;
  }

  override getAuthenticateOptions(): { property: string; session: boolean } {
    return { property: CHAT_PRINCIPAL_PROPERTY, session: false };
  }

  /**
   * Every refusal is the chat's 401 (`code: UNAUTHENTICATED`) with the reason, as on sockets. An error a strategy
   * raised (the ChatError of the `sub` check or of the host hook, or a bug) is thrown as it is.
   */
  override handleRequest<TUser = ChatPrincipal>(error: unknown, principal: TUser | false | null, info: unknown, context: ExecutionContext): TUser {
    if (error) throw error;
    if (principal) return principal;
    const request = context.switchToHttp().getRequest<Request>();
    throw bearerToken(request.headers.authorization) === undefined ? tokenRequired() : authenticationFailure(info);
  }
}
