import { Injectable } from '@nestjs/common';
import type { ChatPrincipal } from '../auth/chat-principal';
import { TokenVerifier, bearerToken } from '../auth/token-verifier';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { ServerBanCheck } from '../users/server-ban-check';
import { UsersService } from '../users/users.service';
import type { ChatSocket } from './chat-socket';

/**
 * Authenticates a socket's handshake: the Origin first (the same rule as the HTTP API's CORS), then the token from
 * `auth.token` (browsers) or an `Authorization: Bearer` header (other clients), verified like HTTP tokens; a user
 * banned from the server is refused (`connect_error` with the USER_BANNED message).
 */
@Injectable()
export class SocketAuthenticator {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly users: UsersService,
    private readonly config: ChatConfig,
    private readonly serverBans: ServerBanCheck,
  ) {}

  async authenticate(socket: ChatSocket): Promise<ChatPrincipal> {
    const origin = socket.handshake.headers.origin;
    if (!originAllowed(origin, socket.handshake.headers.host, this.config.options.realtime?.allowedOrigins ?? [])) {
      throw new ChatError('FORBIDDEN', `Origin ${origin} is not allowed`);
    }
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const token = typeof auth?.token === 'string' ? auth.token : bearerToken(socket.handshake.headers.authorization);
    const principal = await this.verifier.verify(token);
    await this.serverBans.refuseBanned(principal.userId);
    await this.users.touch(principal);
    return principal;
  }
}

/**
 * Whether a browser page of `origin` may open a socket, by the rule browsers apply to the HTTP API under CORS: no
 * Origin header (not a browser: other clients authenticate with their token alone), the server's own origin (the
 * Origin's host and port equal the Host the request was sent to), any origin with `*`, else the listed ones.
 * A WebSocket handshake is not subject to CORS in browsers, so without this any page could open one.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined || allowed.includes('*') || allowed.includes(origin)) return true;
  if (!host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false; // `null` (sandboxed frames, file: pages) and anything else that is not a URL
  }
}
