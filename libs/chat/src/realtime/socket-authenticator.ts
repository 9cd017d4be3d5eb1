import { Injectable } from '@nestjs/common';
import type { ChatPrincipal } from '../auth/chat-principal';
import { TokenVerifier, bearerToken } from '../auth/token-verifier';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { UsersService } from '../users/users.service';
import type { ChatSocket } from './chat-socket';

/**
 * Authenticates a socket's handshake: the token from `auth.token` (browsers) or an `Authorization: Bearer`
 * header (other clients), verified like HTTP tokens; the Origin, when the module restricts origins.
 */
@Injectable()
export class SocketAuthenticator {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly users: UsersService,
    private readonly config: ChatConfig,
  ) {}

  async authenticate(socket: ChatSocket): Promise<ChatPrincipal> {
    const origins = this.config.options.realtime?.allowedOrigins ?? [];
    const origin = socket.handshake.headers.origin;
    if (origins.length > 0 && !origins.includes('*') && origin !== undefined && !origins.includes(origin)) {
      throw new ChatError('FORBIDDEN', `Origin ${origin} is not allowed`);
    }
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const token = typeof auth?.token === 'string' ? auth.token : bearerToken(socket.handshake.headers.authorization);
    const principal = await this.verifier.verify(token);
    await this.users.touch(principal);
    return principal;
  }
}
