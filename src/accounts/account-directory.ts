import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { ChatUserProfile } from '@parley/chat';
import { In, Repository } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AccountEntity } from './entities/account.entity';

/** Account ids as PostgreSQL writes them (`gen_random_uuid()`): anything else names no account. */
const ACCOUNT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The local accounts as the chat's users: the chat's `resolveUsers` hook when KNOWN_USERS_ONLY is set, so a room
 * member must be an account (or a user who has signed in before) and members are named by their usernames.
 *
 * The chat asks while its own transaction may be open. On PostgreSQL the accounts are read through another
 * connection of the pool. The embedded database has a single session, which that transaction holds, so a query
 * would wait for it forever: there (one node, one process) every account is kept in memory instead, loaded at
 * start-up and added to at registration.
 */
@Injectable()
export class AccountDirectory implements OnApplicationBootstrap {
  /** id → username; every account on the embedded database, else null (the database is asked). */
  private readonly inMemory: Map<string, string> | null;

  constructor(
    @InjectRepository(AccountEntity) private readonly accounts: Repository<AccountEntity>,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.inMemory = config.knownUsersOnly && !config.databaseUrl ? new Map() : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.inMemory) return;
    for (const account of await this.accounts.find({ select: { id: true, username: true } })) this.inMemory.set(account.id, account.username);
  }

  /** A new account (called by registration). */
  added(account: Pick<AccountEntity, 'id' | 'username'>): void {
    this.inMemory?.set(account.id, account.username);
  }

  /** The accounts among `userIds`, as chat profiles; ids of no account are left out. */
  async profiles(userIds: string[]): Promise<ChatUserProfile[]> {
    const ids = userIds.filter((id) => ACCOUNT_ID.test(id));
    if (this.inMemory) return ids.filter((id) => this.inMemory!.has(id)).map((id) => ({ id, name: this.inMemory!.get(id) }));
    if (ids.length === 0) return [];
    const rows = await this.accounts.find({ select: { id: true, username: true }, where: { id: In(ids) } });
    return rows.map((account) => ({ id: account.id, name: account.username }));
  }
}
