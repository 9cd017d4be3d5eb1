import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { ChatPrincipal } from './chat-principal';
import { PassportBearerStrategy } from './passport-bearer.strategy';
import { TokenVerifier } from './token-verifier';

/** The passport name of the strategy that asks the host's `authenticate` function. */
export const PARLEY_HOST_STRATEGY = 'parley-host';

/** Bearer tokens of HTTP requests checked by the host's `authenticate` option, as sockets check them. */
@Injectable()
export class ParleyHostStrategy extends PassportStrategy(PassportBearerStrategy, PARLEY_HOST_STRATEGY) {
  constructor(private readonly verifier: TokenVerifier) {
    super();
  }

  validate(token: string): Promise<ChatPrincipal> {
    return this.verifier.viaHost(token);
  }
}
