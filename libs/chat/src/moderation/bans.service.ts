import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { canBan, isBanActive } from '../access/access-rules';
import type { AccessRoom } from '../access/access-records';
import { AccessService } from '../access/access.service';
import { AuditLogService } from '../audit/audit-log.service';
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { decodeCursor, toPage, type Page, type PageQueryDto } from '../common/pagination';
import { ChatEventBus } from '../events/chat-event-bus';
import { NOTHING_RECORDED, SystemMessages } from '../common/system-messages';
import { RoomMemberEntity } from '../members/entities/room-member.entity';
import { MemberEventsPublisher } from '../members/member-events.publisher';
import { RoomMembershipService } from '../members/room-membership.service';
import { toBanResponse, type BanResponse } from './dto/ban.response';
import type { PutBanDto } from './dto/put-ban.dto';
import { RoomBanEntity } from './entities/room-ban.entity';

type BanCursor = { userId: string };
const isBanCursor = (value: unknown): value is BanCursor => typeof value === 'object' && value !== null && typeof (value as BanCursor).userId === 'string';

const banNotFound = (): ChatError => new ChatError('BAN_NOT_FOUND', 'That user is not banned from this room');

/**
 * Room bans. A ban removes the member through the one membership writer (so `member.removed` is published and
 * their sockets leave the room on every node), and the access layer refuses a banned user's join or addition
 * (403 `BANNED`) while the ban is active. Every change is audited in its transaction.
 */
@Injectable()
export class BansService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly membership: RoomMembershipService,
    private readonly memberEvents: MemberEventsPublisher,
    private readonly audit: AuditLogService,
    private readonly events: ChatEventBus,
    private readonly config: ChatConfig,
    private readonly systemMessages: SystemMessages,
  ) {}

  /** Bans a user, or changes an active ban's reason and end (its `createdAt` and `createdBy` stay). */
  async put(principal: ChatPrincipal, roomId: string, userId: string, dto: PutBanDto): Promise<BanResponse> {
    const until = dto.until ? new Date(dto.until) : null;
    if (until && until.getTime() <= Date.now()) throw new ChatError('INVALID_INPUT', 'until must be in the future');
    const { ban, removed, recorded } = await this.dataSource.transaction(async (manager) => {
      const { room, membership } = await this.access.member<AccessRoom, RoomMemberEntity>(principal, 'room.moderate', roomId, { manager, lock: true });
      const target = await manager.getRepository(RoomMemberEntity).findOneBy({ roomId, userId });
      this.access.require(
        canBan(room, membership, { userId, role: target?.role ?? null }),
        userId === principal.userId ? 'Nobody can ban themself' : 'Admins cannot ban the owner or other admins',
      );
      const bans = manager.getRepository(RoomBanEntity);
      const existing = await bans.findOneBy({ roomId, userId });
      const active = existing && isBanActive(existing) ? existing : null;
      const ban = bans.create({
        roomId,
        userId,
        reason: dto.reason ?? null,
        until,
        createdAt: active?.createdAt ?? new Date(),
        createdBy: active?.createdBy ?? principal.userId,
      });
      await bans.save(ban);
      const removed = target ? { member: target, version: await this.membership.remove(manager, target) } : null;
      const recorded = removed
        ? await this.systemMessages.record(manager, { id: roomId, type: room.type, version: removed.version }, { event: 'member.banned', actorId: principal.userId, targetId: userId })
        : NOTHING_RECORDED;
      await this.audit.record(
        { actorId: principal.userId, action: 'ban.created', target: { type: 'user', id: userId }, roomId, details: { reason: ban.reason, until: until?.toISOString() ?? null, removedMember: removed !== null, renewed: active !== null } },
        manager,
      );
      return { ban, removed, recorded };
    });
    if (removed) await this.memberEvents.removed(roomId, removed.version, removed.member);
    recorded.publish();
    const view = toBanResponse(ban);
    this.events.publish('ban.created', { roomId, ban: view });
    return view;
  }

  /** Lifts an active ban (404 `BAN_NOT_FOUND` when there is none, an expired one included). */
  async remove(principal: ChatPrincipal, roomId: string, userId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.access.member(principal, 'room.moderate', roomId, { manager, lock: true });
      const bans = manager.getRepository(RoomBanEntity);
      const ban = await bans.findOneBy({ roomId, userId });
      if (!ban || !isBanActive(ban)) throw banNotFound();
      await bans.delete({ roomId, userId });
      await this.audit.record({ actorId: principal.userId, action: 'ban.removed', target: { type: 'user', id: userId }, roomId }, manager);
    });
    this.events.publish('ban.removed', { roomId, userId, removedBy: principal.userId });
  }

  /** The room's active bans, ordered by user id. */
  async list(principal: ChatPrincipal, roomId: string, query: PageQueryDto): Promise<Page<BanResponse>> {
    await this.access.member(principal, 'room.moderate', roomId);
    const limit = this.config.pageSize(query.limit);
    const bans = this.dataSource
      .getRepository(RoomBanEntity)
      .createQueryBuilder('b')
      .where('b.room_id = :roomId AND (b.until IS NULL OR b.until > now())', { roomId })
      .orderBy('b.user_id', 'ASC')
      .limit(limit + 1);
    if (query.cursor) bans.andWhere('b.user_id > :after', { after: decodeCursor(query.cursor, isBanCursor).userId });
    return toPage(await bans.getMany(), limit, toBanResponse, (ban) => ({ userId: ban.userId }));
  }
}
