import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { JwtService, type JwtVerifyOptions } from '@nestjs/jwt';
import type { Request } from 'express';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/** The algorithms accepted with a public key (never HS*, so a public key cannot be used as an HMAC secret). */
const PUBLIC_KEY_ALGORITHMS: JwtVerifyOptions['algorithms'] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

export type AccountRequest = Request & { accountUserId?: string };

/**
 * Bearer authentication for the account routes that need a caller (the user search): the same tokens the chat
 * accepts, verified with the server's `JWT_SECRET` (HS256) or `JWT_PUBLIC_KEY`, `JWT_ISSUER` and `JWT_AUDIENCE`,
 * with a pinned list of algorithms like the chat's own verifier (the library does not export that one).
 */
@Injectable()
export class AccountTokenGuard implements CanActivate {
  private readonly jwt = new JwtService();
  private readonly options: JwtVerifyOptions;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { secret, publicKey, issuer, audience } = config.jwt;
    this.options = publicKey ? { publicKey, algorithms: PUBLIC_KEY_ALGORITHMS, issuer, audience } : { secret, algorithms: ['HS256'], issuer, audience };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AccountRequest>();
    const token = request.headers.authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (!token) throw new UnauthorizedException('A bearer token is required');
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verifyAsync<Record<string, unknown>>(token, this.options);
    } catch (error) {
      throw new UnauthorizedException(error instanceof Error && error.name === 'TokenExpiredError' ? 'The token has expired' : 'The token is not valid');
    }
    if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 255) throw new UnauthorizedException('The token has no valid `sub` claim');
    request.accountUserId = claims.sub;
    return true;
  }
}
