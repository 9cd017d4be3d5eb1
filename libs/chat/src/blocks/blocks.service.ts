import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { toBlockResponse, type BlockListResponse, type BlockResponse } from './dto/block.response';
import { UserBlockEntity } from './entities/user-block.entity';

/**
 * A user's blocks: a private list (nobody is told they were blocked, and blocks are not moderation, so they are not
 * audited). What a block prevents is decided by the access layer (`canReach`), which reads the same table.
 */
@Injectable()
export class BlocksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ChatConfig,
  ) {}

  /** Blocks `userId`; blocking them again answers the existing block. */
  async block(principal: ChatPrincipal, userId: string): Promise<BlockResponse> {
    if (userId === principal.userId) throw new ChatError('INVALID_INPUT', 'You cannot block yourself');
    return this.dataSource.transaction(async (manager) => {
      // Serialises one user's blocks, so two concurrent ones cannot both pass the cap.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('chat_user_blocks:' || $1))`, [principal.userId]);
      const repository = manager.getRepository(UserBlockEntity);
      const existing = await repository.findOneBy({ blockerId: principal.userId, blockedId: userId });
      if (existing) return toBlockResponse(existing);
      const max = this.config.limits.maxBlocksPerUser;
      if ((await repository.countBy({ blockerId: principal.userId })) >= max) {
        throw new ChatError('CONFLICT', `You can block at most ${max} users: unblock someone first`);
      }
      await repository.insert({ blockerId: principal.userId, blockedId: userId });
      return toBlockResponse(await repository.findOneByOrFail({ blockerId: principal.userId, blockedId: userId }));
    });
  }

  /** Unblocks `userId`; unblocking someone who is not blocked changes nothing. */
  async unblock(principal: ChatPrincipal, userId: string): Promise<void> {
    await this.dataSource.getRepository(UserBlockEntity).delete({ blockerId: principal.userId, blockedId: userId });
  }

  async list(principal: ChatPrincipal): Promise<BlockListResponse> {
    const blocks = await this.dataSource.getRepository(UserBlockEntity).find({
      where: { blockerId: principal.userId },
      order: { createdAt: 'DESC', blockedId: 'ASC' },
    });
    return { items: blocks.map(toBlockResponse) };
  }
}
