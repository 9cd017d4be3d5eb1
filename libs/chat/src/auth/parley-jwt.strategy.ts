import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-jwt';
import type { ChatPrincipal } from './chat-principal';
import { JwtKeys } from './jwt-keys';
import { bearerToken, principalFromClaims } from './token-verifier';

/** The passport name of the library's JWT strategy: its own, so a host's `jwt` strategy is never replaced. */
export const PARLEY_JWT_STRATEGY = 'parley-jwt';

/**
 * Bearer JWTs of HTTP requests, through passport-jwt: the keys and checks of `JwtKeys` (secret, public key or JWKS;
 * pinned algorithms, issuer, audience, expiry), the claims mapped by `principalFromClaims`, as sockets do.
 */
@Injectable()
export class ParleyJwtStrategy extends PassportStrategy(Strategy, PARLEY_JWT_STRATEGY) {
  constructor(keys: JwtKeys) {
    super({
      jwtFromRequest: (request: Request) => bearerToken(request.headers.authorization) ?? null,
      secretOrKeyProvider: (_request: Request, token: string, done: (error: unknown, key?: string) => void) => {
        keys.keyFor(token).then(
          (key) => done(null, key),
          (error: unknown) => done(error),
        );
      },
      algorithms: keys.checks.algorithms,
      issuer: keys.checks.issuer,
      audience: keys.checks.audience,
    });
  }

  validate(claims: Record<string, unknown>): ChatPrincipal {
    return principalFromClaims(claims);
  }
}
