import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import type { ChatPrincipal } from './chat-principal';

const MAX_ID_LENGTH = 255;
const MAX_NAME_LENGTH = 200;

/**
 * Turns a bearer token into the caller: the host's `authenticate` function when it gave one, otherwise JWT
 * verification by `JwtService` with the keys and pinned algorithms of `JwtKeys`. Sockets call `verify`; the passport
 * strategies of HTTP requests share its parts (`parley-host` calls `viaHost`, `parley-jwt` verifies with the same
 * keys and checks and maps the claims with `principalFromClaims`), so a token means the same on both transports.
 */
@Injectable()
export class TokenVerifier {
  constructor(
    private readonly config: ChatConfig,
    private readonly jwt: JwtService,
  ) {}

  async verify(token: string | undefined): Promise<ChatPrincipal> {
    if (!token) throw tokenRequired();
    return this.config.options.authenticate ? this.viaHost(token) : this.viaJwt(token);
  }

  /** The host's `authenticate` function: its principal, or 401 when it refuses, throws or gives no valid user id. */
  async viaHost(token: string): Promise<ChatPrincipal> {
    const authenticate = this.config.options.authenticate;
    let principal: ChatPrincipal | null = null;
    try {
      principal = authenticate ? await authenticate(token) : null;
    } catch {
      principal = null;
    }
    if (!principal || !isValidUserId(principal.userId)) throw new ChatError('UNAUTHENTICATED', 'The token was refused');
    return principal;
  }

  private async viaJwt(token: string): Promise<ChatPrincipal> {
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verifyAsync<Record<string, unknown>>(token);
    } catch (error) {
      throw authenticationFailure(error);
    }
    return principalFromClaims(claims);
  }
}

/** The caller named by verified JWT claims: `sub` is the user id, `name` the display name, `exp` the expiry. */
export function principalFromClaims(claims: Record<string, unknown>): ChatPrincipal {
  const { sub, name, exp } = claims;
  if (!isValidUserId(sub)) throw new ChatError('UNAUTHENTICATED', 'The token has no valid `sub` claim');
  return {
    userId: sub,
    name: typeof name === 'string' && name.trim() ? name.trim().slice(0, MAX_NAME_LENGTH) : undefined,
    expiresAt: typeof exp === 'number' ? new Date(exp * 1000) : undefined,
  };
}

/**
 * The 401 for a token that failed verification: the ChatError a step already chose, "expired" for an expired
 * token, else "not valid" (bad signature, algorithm, issuer, audience, unknown key: the client need not know which).
 */
export function authenticationFailure(reason: unknown): ChatError {
  if (reason instanceof ChatError) return reason;
  if (reason instanceof Error && reason.name === 'TokenExpiredError') return new ChatError('UNAUTHENTICATED', 'The token has expired');
  return new ChatError('UNAUTHENTICATED', 'The token is not valid');
}

export function tokenRequired(): ChatError {
  return new ChatError('UNAUTHENTICATED', 'A bearer token is required');
}

function isValidUserId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

/** The token of an `Authorization: Bearer <token>` header, if that is what the header holds. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
