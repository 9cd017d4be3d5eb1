import type { Request } from 'express';
import passport from 'passport';
import { bearerToken, tokenRequired } from './token-verifier';

type Verified = (error: unknown, user?: unknown, info?: { message?: string }) => void;

/**
 * A passport strategy for an opaque bearer token: reads `Authorization: Bearer <token>` and hands the token to
 * `verify(token, done)`, which decides. The base of `parley-host`.
 */
export class PassportBearerStrategy extends passport.Strategy {
  constructor(private readonly verifyToken: (token: string, done: Verified) => void) {
    super();
  }

  override authenticate(request: Request): void {
    const token = bearerToken(request.headers.authorization);
    if (!token) return this.fail(tokenRequired(), 401);
    this.verifyToken(token, (error, user, info) => {
      if (error) return this.error(error);
      if (!user) return this.fail(info, 401);
      return this.success(user, info);
    });
  }
}
