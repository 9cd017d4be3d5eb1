import { Inject, Injectable, type CanActivate } from '@nestjs/common';
import { ChatError } from '@parley/chat';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/**
 * Whether this server can issue tokens for local accounts: only with `JWT_SECRET` (or the development secret) and
 * no `JWT_PUBLIC_KEY` / `JWT_JWKS_URI`. With an identity provider's key the chat verifies tokens the server cannot
 * sign (and would refuse tokens signed with the secret), so a local account would be useless.
 */
export const localAccountsEnabled = ({ jwt }: AppConfig): boolean => Boolean(jwt.secret) && !jwt.publicKey && !jwt.jwksUri;

/**
 * Refuses register and log-in with 403 `LOCAL_ACCOUNTS_DISABLED` when local accounts cannot sign tokens, before
 * anything is validated or created (without it, the account was created and the answer was a 500).
 */
@Injectable()
export class LocalAccountsGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(): boolean {
    if (!localAccountsEnabled(this.config)) {
      throw new ChatError(
        'LOCAL_ACCOUNTS_DISABLED',
        'Local accounts are disabled: this server verifies tokens of an identity provider (JWT_PUBLIC_KEY or JWT_JWKS_URI). Sign in there.',
      );
    }
    return true;
  }
}
