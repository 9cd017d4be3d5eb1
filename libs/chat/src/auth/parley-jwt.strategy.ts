import type { KeyObject } from 'node:crypto';
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
  private readonly maxAgeSeconds?: number;

  constructor(keys: JwtKeys) {
    super({
      jwtFromRequest: (request: Request) => bearerToken(request.headers.authorization) ?? null,
      // passport-jwt's types say string | Buffer; it hands the key to jsonwebtoken, which takes a KeyObject.
      secretOrKeyProvider: (_request: Request, token: string, done: (error: unknown, key?: string) => void) => {
        keys.keyFor(token).then(
          (key: KeyObject) => done(null, key as unknown as string),
          (error: unknown) => done(error),
        );
      },
      algorithms: keys.checks.algorithms,
      issuer: keys.checks.issuer,
      audience: keys.checks.audience,
    });
    this.maxAgeSeconds = keys.checks.maxAgeSeconds;
  }

  validate(claims: Record<string, unknown>): ChatPrincipal {
    return principalFromClaims(claims, this.maxAgeSeconds);
  }
}
