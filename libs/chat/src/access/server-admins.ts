import { Injectable, Logger } from '@nestjs/common';
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatConfig } from '../common/chat-config';
import { describeError } from '../common/error-summary';
import { canAdministerServer } from './access-rules';

/**
 * Who is a server administrator: a principal already marked `admin` (the JWT claim `chatAdmin: true`, or the host's
 * `authenticate`), else the host's `isAdmin` hook, asked at every request to `/admin`, so a host that takes the right
 * away (the standalone server's `ADMIN_USERNAMES`) needs no new token. A failing hook denies, and is logged.
 */
@Injectable()
export class ServerAdmins {
  private readonly logger = new Logger('ServerAdmins');

  constructor(private readonly config: ChatConfig) {}

  /** Sets `principal.admin` from the hook when the credential did not, and answers `canAdministerServer`. */
  async allows(principal: ChatPrincipal): Promise<boolean> {
    if (!principal.admin && this.config.options.isAdmin) principal.admin = await this.askHost(principal);
    return canAdministerServer(principal);
  }

  private async askHost(principal: ChatPrincipal): Promise<boolean> {
    try {
      return (await this.config.options.isAdmin?.(principal)) === true;
    } catch (error) {
      this.logger.warn(`isAdmin failed for user ${principal.userId}; denying: ${describeError(error)}`);
      return false;
    }
  }
}
