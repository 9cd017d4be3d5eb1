import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditLogService } from '../audit/audit-log.service';
import { canChangeRole, canRemoveMember, canSilence, isSilenced } from '../access/access-rules';
import type { AccessRoom } from '../access/access-records';
import { AccessService } from '../access/access.service';
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { decodeCursor, toPage, type Page } from '../common/pagination';
import { SystemMessages } from '../common/system-messages';
import type { PageQueryDto } from '../common/pagination';
import type { MemberResponse } from './dto/member.response';
import { RoomMemberEntity, type MemberRole } from './entities/room-member.entity';
import { MemberEventsPublisher } from './member-events.publisher';
import { MemberViewsService } from './member-views.service';
import { RoomMembershipService } from './room-membership.service';
import type { AddMemberDto } from './dto/add-member.dto';
import type { UpdateMemberDto } from './dto/update-member.dto';

type MemberCursor = { userId: string };
const isMemberCursor = (value: unknown): value is MemberCursor =>
  typeof value === 'object' && value !== null && typeof (value as MemberCursor).userId === 'string';

const memberNotFound = (): ChatError => new ChatError('MEMBER_NOT_FOUND', 'Member not found');

@Injectable()
export class MembersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly membership: RoomMembershipService,
    private readonly memberEvents: MemberEventsPublisher,
    private readonly memberViews: MemberViewsService,
    private readonly config: ChatConfig,
    private readonly audit: AuditLogService,
    private readonly systemMessages: SystemMessages,
  ) {}

  /** Members ordered by user id (a stable order for cursors). */
  async list(principal: ChatPrincipal, roomId: string, query: PageQueryDto): Promise<Page<MemberResponse>> {
    await this.access.memberRoom(principal.userId, roomId);
    const limit = this.config.pageSize(query.limit);
    const members = this.dataSource
      .getRepository(RoomMemberEntity)
      .createQueryBuilder('m')
      .where('m.roomId = :roomId', { roomId })
      .orderBy('m.userId', 'ASC')
      .limit(limit + 1);
    if (query.cursor) members.andWhere('m.userId > :after', { after: decodeCursor(query.cursor, isMemberCursor).userId });
    const page = toPage(await members.getMany(), limit, (row) => row, (row) => ({ userId: row.userId }));
    return { items: await this.memberViews.many(page.items), nextCursor: page.nextCursor };
  }

  async get(principal: ChatPrincipal, roomId: string, userId: string): Promise<MemberResponse> {
    await this.access.memberRoom(principal.userId, roomId);
    const member = await this.dataSource.getRepository(RoomMemberEntity).findOneBy({ roomId, userId });
    if (!member) throw memberNotFound();
    return this.view(member);
  }

  async add(principal: ChatPrincipal, roomId: string, dto: AddMemberDto): Promise<MemberResponse> {
    const role = dto.role ?? 'member';
    const { member, recorded } = await this.dataSource.transaction(async (manager) => {
      const { room } = await this.access.member<AccessRoom, RoomMemberEntity>(principal, role === 'admin' ? 'member.addAdmin' : 'member.add', roomId, { manager, lock: true });
      await this.access.requireCanAdd(principal.userId, room, [dto.userId], role, manager);
      const existing = await manager.getRepository(RoomMemberEntity).findOneBy({ roomId, userId: dto.userId });
      if (existing) throw new ChatError('ALREADY_MEMBER', 'That user is already a member of this room');
      await this.access.requireNotBanned(roomId, [dto.userId], manager);
      const member = await this.membership.add(manager, roomId, dto.userId, role);
      const recorded = await this.systemMessages.record(manager, { id: roomId, type: room.type, version: member.version }, { event: 'member.added', actorId: principal.userId, targetId: dto.userId });
      return { member, recorded };
    });
    await this.memberEvents.added(roomId, member.version, member);
    recorded.publish();
    return this.view(member);
  }

  /**
   * Changes a member's role (the owner only) and/or silences them (owner and admins; admins only plain members).
   * Making someone `owner` hands ownership over, and the previous owner stays as admin, so a room always has
   * exactly one owner. A silence lasts until `silencedUntil`; null (or a time already past) lifts it.
   */
  async update(principal: ChatPrincipal, roomId: string, userId: string, dto: UpdateMemberDto): Promise<MemberResponse> {
    if (dto.role === undefined && dto.silencedUntil === undefined) throw new ChatError('INVALID_INPUT', 'Give role, silencedUntil or both');
    const changed = await this.dataSource.transaction(async (manager) => {
      const { room, membership } = await this.access.member<AccessRoom, RoomMemberEntity>(principal, 'room.moderate', roomId, { manager, lock: true });
      if (dto.role !== undefined) this.access.require(canChangeRole(room, membership), 'Only the owner can change roles');
      const target = await manager.getRepository(RoomMemberEntity).findOneBy({ roomId, userId });
      if (!target) throw memberNotFound();
      if (dto.role !== undefined) await this.access.requireCanHoldRole(target.userId, room, dto.role, manager);
      if (dto.silencedUntil !== undefined) {
        this.access.require(canSilence(room, membership, target), target.userId === principal.userId ? 'Nobody can silence themself' : 'Admins cannot silence the owner or other admins');
      }
      const changed = new Map<string, RoomMemberEntity>();
      if (dto.role !== undefined) for (const member of await this.applyRole(manager, membership, target, dto.role)) changed.set(member.userId, member);
      if (dto.silencedUntil !== undefined) {
        const silenced = await this.applySilence(manager, principal.userId, changed.get(userId) ?? target, dto.silencedUntil);
        if (silenced) changed.set(userId, silenced);
      }
      return [...changed.values()];
    });
    for (const member of changed) await this.memberEvents.updated(roomId, member.version, member);
    return this.get(principal, roomId, userId);
  }

  private async applyRole(manager: EntityManager, caller: RoomMemberEntity, target: RoomMemberEntity, role: MemberRole): Promise<RoomMemberEntity[]> {
    if (target.userId === caller.userId) {
      if (role === 'owner') return [];
      throw new ChatError('CONFLICT', 'The owner cannot step down without handing ownership to another member');
    }
    if (target.role === role) return [];
    const updated = [await this.membership.setRole(manager, target, role)];
    if (role === 'owner') updated.push(await this.membership.setRole(manager, caller, 'admin'));
    return updated;
  }

  /** Sets or lifts a silence (audited); null when nothing changes. */
  private async applySilence(manager: EntityManager, actorId: string, target: RoomMemberEntity, silencedUntil: string | null): Promise<RoomMemberEntity | null> {
    const now = new Date();
    const requested = silencedUntil ? new Date(silencedUntil) : null;
    const until = requested && requested.getTime() > now.getTime() ? requested : null;
    const current = isSilenced(target, now) ? target.silencedUntil : null;
    if ((until?.getTime() ?? null) === (current?.getTime() ?? null)) return null;
    const updated = await this.membership.setSilence(manager, target, until);
    await this.audit.record(
      { actorId, action: until ? 'member.silenced' : 'member.unsilenced', target: { type: 'user', id: target.userId }, roomId: target.roomId, details: { until: until?.toISOString() ?? null } },
      manager,
    );
    return updated;
  }

  /** Kicks a member (owner, or admins for plain members) or leaves (a member removing themself). */
  async remove(principal: ChatPrincipal, roomId: string, userId: string): Promise<void> {
    const { member, version, recorded } = await this.dataSource.transaction(async (manager) => {
      const { room, membership } = await this.access.member<AccessRoom, RoomMemberEntity>(principal, 'member.remove', roomId, { manager, lock: true });
      const target = await manager.getRepository(RoomMemberEntity).findOneBy({ roomId, userId });
      if (!target) throw memberNotFound();
      this.access.require(canRemoveMember(room, membership, target), 'You are not allowed to remove that member');
      if (target.role === 'owner') {
        throw new ChatError('CONFLICT', 'The owner must hand ownership to another member (PATCH their role to owner) before leaving');
      }
      const version = await this.membership.remove(manager, target);
      const leaving = target.userId === principal.userId;
      const recorded = await this.systemMessages.record(
        manager,
        { id: roomId, type: room.type, version },
        leaving ? { event: 'member.left', actorId: principal.userId, targetId: null } : { event: 'member.removed', actorId: principal.userId, targetId: target.userId },
      );
      return { member: target, version, recorded };
    });
    await this.memberEvents.removed(roomId, version, member);
    recorded.publish();
  }

  private view(member: RoomMemberEntity): Promise<MemberResponse> {
    return this.memberViews.one(member);
  }
}
