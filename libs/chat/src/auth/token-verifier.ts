import { Injectable } from '@nestjs/common';
import { JwtService, type JwtVerifyOptions } from '@nestjs/jwt';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import type { ChatPrincipal } from './chat-principal';

const PUBLIC_KEY_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
const MAX_ID_LENGTH = 255;
const MAX_NAME_LENGTH = 200;

/**
 * Turns a bearer token into the caller, for HTTP and sockets alike: the host's `authenticate` function when it
 * gave one, otherwise JWT verification with a pinned list of algorithms (so `alg: none` and algorithm
 * confusion are refused by construction).
 */
@Injectable()
export class TokenVerifier {
  private readonly jwt = new JwtService();
  private readonly verifyOptions: JwtVerifyOptions;

  constructor(private readonly config: ChatConfig) {
    const jwt = config.options.jwt ?? {};
    const algorithms = jwt.algorithms ?? (jwt.publicKey ? PUBLIC_KEY_ALGORITHMS : ['HS256']);
    if (algorithms.some((alg) => alg.toLowerCase() === 'none')) {
      throw new Error('ChatModule: the `none` JWT algorithm cannot be accepted');
    }
    this.verifyOptions = {
      secret: jwt.publicKey ? undefined : jwt.secret,
      publicKey: jwt.publicKey,
      algorithms: algorithms as JwtVerifyOptions['algorithms'],
      issuer: jwt.issuer,
      audience: jwt.audience,
    };
  }

  async verify(token: string | undefined): Promise<ChatPrincipal> {
    if (!token) throw new ChatError('UNAUTHENTICATED', 'A bearer token is required');
    const authenticate = this.config.options.authenticate;
    return authenticate ? this.viaHost(authenticate, token) : this.viaJwt(token);
  }

  private async viaHost(authenticate: NonNullable<ChatConfig['options']['authenticate']>, token: string): Promise<ChatPrincipal> {
    let principal: ChatPrincipal | null;
    try {
      principal = await authenticate(token);
    } catch {
      principal = null;
    }
    if (!principal || !isValidUserId(principal.userId)) throw new ChatError('UNAUTHENTICATED', 'The token was refused');
    return principal;
  }

  private async viaJwt(token: string): Promise<ChatPrincipal> {
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verifyAsync<Record<string, unknown>>(token, this.verifyOptions);
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TokenExpiredError' ? 'The token has expired' : 'The token is not valid';
      throw new ChatError('UNAUTHENTICATED', reason);
    }
    const { sub, name, exp } = claims;
    if (!isValidUserId(sub)) throw new ChatError('UNAUTHENTICATED', 'The token has no valid `sub` claim');
    return {
      userId: sub,
      name: typeof name === 'string' && name.trim() ? name.trim().slice(0, MAX_NAME_LENGTH) : undefined,
      expiresAt: typeof exp === 'number' ? new Date(exp * 1000) : undefined,
    };
  }
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
