import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { UsersService } from '../users/users.service';
import type { ChatPrincipal } from './chat-principal';
import { TokenVerifier, bearerToken } from './token-verifier';

export type ChatRequest = Request & { chatPrincipal?: ChatPrincipal };

/** Guards every chat route: a valid bearer token or 401. Keeps the caller's chat profile current. */
@Injectable()
export class ChatAuthGuard implements CanActivate {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly users: UsersService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ChatRequest>();
    const principal = await this.verifier.verify(bearerToken(request.headers.authorization));
    await this.users.touch(principal);
    request.chatPrincipal = principal;
    return true;
  }
}
