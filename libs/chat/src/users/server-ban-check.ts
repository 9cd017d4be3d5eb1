import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ChatError } from '../common/chat-error';

/**
 * Refuses users banned from the whole server: every chat request (ChatAuthGuard) and every socket handshake asks.
 * The answer is a primary-key lookup in `chat_user_bans` each time, not a cache: a ban (or its lifting) made on any
 * node holds on every node for the very next request, with no signal between nodes to lose, for about the cost of
 * one indexed read. Sockets already open are cut by the `user.banned` event (RealtimeFanout).
 */
@Injectable()
export class ServerBanCheck {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async refuseBanned(userId: string): Promise<void> {
    const rows = (await this.dataSource.query(`SELECT until FROM chat_user_bans WHERE user_id = $1 AND (until IS NULL OR until > now())`, [userId])) as Array<{
      until: Date | null;
    }>;
    if (rows.length === 0) return;
    const until = rows[0].until;
    throw new ChatError('USER_BANNED', until ? `You are banned from this server until ${new Date(until).toISOString()}` : 'You are banned from this server');
  }
}
