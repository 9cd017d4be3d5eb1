import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditLogService } from '../audit/audit-log.service';
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatError } from '../common/chat-error';
import { ChatEventBus } from '../events/chat-event-bus';
import { UserBanEntity } from '../users/entities/user-ban.entity';
import type { BanUserDto } from './dto/ban-user.dto';
import { toUserBanResponse, type UserBanResponse } from './dto/user-ban.response';

/**
 * Server-wide bans. A ban takes effect for the user's next request on any node (ServerBanCheck reads the table) and
 * cuts their open sockets on every node (`user.banned`, which RealtimeFanout turns into disconnects and the webhook
 * outbox into a `user.banned` delivery).
 */
@Injectable()
export class UserBansService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: ChatEventBus,
    private readonly audit: AuditLogService,
  ) {}

  /** Bans the user, or replaces their ban (reason and end) with this one. */
  async ban(principal: ChatPrincipal, userId: string, dto: BanUserDto): Promise<UserBanResponse> {
    if (userId === principal.userId) throw new ChatError('CONFLICT', 'An administrator cannot ban themself');
    const until = dto.until ? new Date(dto.until) : null;
    if (until && until.getTime() <= Date.now()) throw new ChatError('INVALID_INPUT', 'until must be in the future');
    const ban = await this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(UserBanEntity);
      await manager.query(
        `INSERT INTO chat_user_bans (user_id, reason, until, created_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET reason = EXCLUDED.reason, until = EXCLUDED.until, created_by = EXCLUDED.created_by, created_at = now()`,
        [userId, dto.reason ?? null, until, principal.userId],
      );
      const ban = await repository.findOneByOrFail({ userId });
      await this.audit.record(
        { actorId: principal.userId, action: 'user.banned', target: { type: 'user', id: userId }, details: { reason: ban.reason, until: ban.until?.toISOString() ?? null } },
        manager,
      );
      return ban;
    });
    const response = toUserBanResponse(ban);
    this.events.publish('user.banned', response);
    return response;
  }

  /** Lifts the user's ban (an expired one too); 404 BAN_NOT_FOUND when none is recorded. */
  async unban(principal: ChatPrincipal, userId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      // TypeORM answers a DELETE with [rows, affectedCount].
      const [removed]: [Array<{ user_id: string }>, number] = await manager.query(`DELETE FROM chat_user_bans WHERE user_id = $1 RETURNING user_id`, [userId]);
      if (removed.length === 0) throw new ChatError('BAN_NOT_FOUND', 'This user is not banned');
      await this.audit.record({ actorId: principal.userId, action: 'user.unbanned', target: { type: 'user', id: userId } }, manager);
    });
    this.events.publish('user.unbanned', { userId, removedBy: principal.userId });
  }
}
