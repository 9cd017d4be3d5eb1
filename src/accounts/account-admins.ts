import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { ChatPrincipal } from '@parley/chat';
import { Repository } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AccountEntity } from './entities/account.entity';

/** Account ids as PostgreSQL writes them (`gen_random_uuid()`): anything else names no account. */
const ACCOUNT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * ADMIN_USERNAMES: the local accounts that administer the chat, the chat's `isAdmin` hook. Asked at each `/admin`
 * request (the chat calls it outside its transactions, so the embedded database's single session is free): the
 * caller's account is looked up by id and its username compared, without regard to case, so removing a name from
 * the list and restarting takes the right away from tokens already issued, and a token of another issuer with the
 * same `sub` as no account is never an administrator.
 */
@Injectable()
export class AccountAdmins {
  private readonly usernames: ReadonlySet<string>;

  constructor(
    @InjectRepository(AccountEntity) private readonly accounts: Repository<AccountEntity>,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.usernames = new Set(config.adminUsernames.map((name) => name.toLowerCase()));
  }

  async isAdmin(principal: ChatPrincipal): Promise<boolean> {
    if (this.usernames.size === 0 || !ACCOUNT_ID.test(principal.userId)) return false;
    const account = await this.accounts.findOne({ select: { id: true, usernameLower: true }, where: { id: principal.userId } });
    return account !== null && this.usernames.has(account.usernameLower);
  }
}
