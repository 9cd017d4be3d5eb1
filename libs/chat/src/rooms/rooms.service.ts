import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { acceptsGuests, canJoinRoom } from '../access/access-rules';
import { AccessService } from '../access/access.service';
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { newestFirstPage, type Page } from '../common/pagination';
import { ChatEventBus } from '../events/chat-event-bus';
import { ImageAttachmentsService } from '../images/image-attachments.service';
import type { CreateRoomDto } from './dto/create-room.dto';
import type { ListRoomsQueryDto } from './dto/list-rooms.query';
import type { ReplaceRoomDto } from './dto/replace-room.dto';
import type { RoomNotificationsDto } from './dto/room-notifications.dto';
import type { RoomResponse } from './dto/room.response';
import type { UpdateRoomDto } from './dto/update-room.dto';
import { RoomMemberEntity } from '../members/entities/room-member.entity';
import { RoomEntity } from './entities/room.entity';
import { MemberEventsPublisher } from '../members/member-events.publisher';
import { bumpRoomVersion } from '../common/room-counters';
import { NOTHING_RECORDED, SystemMessages, type RecordedSystemMessage } from '../common/system-messages';
import { RoomMembershipService } from '../members/room-membership.service';
import { RoomViewsService } from './room-views.service';
import { AuditLogService } from '../audit/audit-log.service';

/** Postgres' unique_violation. */
const UNIQUE_VIOLATION = '23505';

export interface CreatedRoom {
  /** False when a direct room for the pair already existed and is returned instead. */
  created: boolean;
  room: RoomResponse;
}

@Injectable()
export class RoomsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly membership: RoomMembershipService,
    private readonly views: RoomViewsService,
    private readonly memberEvents: MemberEventsPublisher,
    private readonly events: ChatEventBus,
    private readonly config: ChatConfig,
    private readonly images: ImageAttachmentsService,
    private readonly audit: AuditLogService,
    private readonly systemMessages: SystemMessages,
  ) {}

  async list(principal: ChatPrincipal, query: ListRoomsQueryDto): Promise<Page<RoomResponse>> {
    const limit = this.config.pageSize(query.limit);
    const rooms = this.dataSource.getRepository(RoomEntity).createQueryBuilder('r');
    if (query.scope === 'public') {
      rooms.where('r.is_public = true');
      // The directory a guest sees: only the rooms they can join (see `guestMay`).
      if (principal.guest) rooms.andWhere('r.allow_guests = true');
    } else {
      rooms.innerJoin(RoomMemberEntity, 'm', 'm.room_id = r.id AND m.user_id = :userId', { userId: principal.userId });
    }
    const page = await newestFirstPage(rooms, { at: 'r.last_activity_at', tie: { column: 'r.id', type: 'uuid', of: (room) => room.id }, limit, cursor: query.cursor });
    // The host's policy may hide some rooms of the page; the cursor still moves past them.
    const allowed = await this.access.rooms(principal, 'room.view', page.items.map((room) => room.id));
    return { items: await this.views.many(principal.userId, page.items.filter((room) => allowed.has(room.id))), nextCursor: page.nextCursor };
  }

  async create(principal: ChatPrincipal, dto: CreateRoomDto): Promise<CreatedRoom> {
    const others = [...new Set(dto.memberIds)].filter((id) => id !== principal.userId);
    return dto.type === 'direct' ? this.createDirect(principal, dto, others) : this.createGroup(principal, dto, others);
  }

  async get(principal: ChatPrincipal, roomId: string): Promise<RoomResponse> {
    const { room } = await this.access.room<RoomEntity, RoomMemberEntity>(principal, 'room.view', roomId);
    return this.views.one(principal.userId, room);
  }

  /**
   * PATCH (`replace` false) or PUT (`replace` true) of the room's editable fields: owner and admins. Making the room
   * private turns `allowGuests` off; turning it off removes the room's guests (each a change of the room).
   */
  async update(principal: ChatPrincipal, roomId: string, dto: UpdateRoomDto | ReplaceRoomDto, replace: boolean): Promise<RoomResponse> {
    const given = Object.fromEntries(Object.entries(dto).filter(([, value]) => value !== undefined)) as UpdateRoomDto;
    const changes: UpdateRoomDto = replace ? { title: '', description: '', isPublic: false, allowGuests: false, imageId: null, ...given } : given;
    const { room, snapshot, removedGuests, recorded } = await this.dataSource.transaction(async (manager) => {
      const { room } = await this.access.room<RoomEntity, RoomMemberEntity>(principal, 'room.edit', roomId, { manager, lock: true });
      const isPublic = changes.isPublic ?? room.isPublic;
      const next = {
        title: changes.title === undefined ? room.title : changes.title.trim(),
        description: changes.description === undefined ? room.description : changes.description.trim(),
        isPublic,
        allowGuests: changes.allowGuests ?? (isPublic && room.allowGuests),
        imageId: changes.imageId === undefined ? room.imageId : changes.imageId?.toLowerCase() ?? null,
        slowModeSeconds: changes.slowModeSeconds ?? room.slowModeSeconds,
        frozen: changes.frozen ?? room.frozen,
      };
      if (next.allowGuests && !acceptsGuests({ type: room.type, isPublic: next.isPublic, allowGuests: true })) {
        throw new ChatError('INVALID_INPUT', 'Only public group rooms can allow guests: make the room public (isPublic: true) as well');
      }
      if (
        next.title === room.title &&
        next.description === room.description &&
        next.isPublic === room.isPublic &&
        next.allowGuests === room.allowGuests &&
        next.imageId === room.imageId &&
        next.slowModeSeconds === room.slowModeSeconds &&
        next.frozen === room.frozen
      ) {
        return { room, snapshot: null, removedGuests: [], recorded: [] };
      }
      if (next.imageId && next.imageId !== room.imageId) await this.requireOwnImage(manager, principal.userId, next.imageId);
      await this.auditModeration(manager, principal.userId, room, next);
      const removedGuests = room.allowGuests && !next.allowGuests ? await this.removeGuests(manager, room, principal.userId) : [];
      const version = await bumpRoomVersion(manager, room.id);
      await manager.getRepository(RoomEntity).update(room.id, { ...next, updatedAt: new Date() });
      const renamed =
        next.title === room.title ? NOTHING_RECORDED : await this.systemMessages.record(manager, { id: room.id, type: room.type, version }, { event: 'room.renamed', actorId: principal.userId, targetId: null });
      const reloaded = await this.reload(manager, room.id);
      return { room: reloaded, snapshot: await this.views.one(null, reloaded, manager), removedGuests, recorded: [...removedGuests.map((removal) => removal.recorded), renamed] };
    });
    for (const { member, version } of removedGuests) await this.memberEvents.removed(room.id, version, member);
    if (snapshot) this.events.publish('room.updated', { roomId: room.id, version: room.version, room: snapshot });
    for (const message of recorded) message.publish();
    return this.views.one(principal.userId, room);
  }

  /** Removes every guest of a room that stops accepting guests, each removal a change of the room. */
  private async removeGuests(manager: EntityManager, room: RoomEntity, actorId: string): Promise<Array<{ member: RoomMemberEntity; version: number; recorded: RecordedSystemMessage }>> {
    const removed: Array<{ member: RoomMemberEntity; version: number; recorded: RecordedSystemMessage }> = [];
    for (const member of await this.membership.guestMembers(manager, room.id)) {
      const version = await this.membership.remove(manager, member);
      const recorded = await this.systemMessages.record(manager, { id: room.id, type: room.type, version }, { event: 'member.removed', actorId, targetId: member.userId });
      removed.push({ member, version, recorded });
    }
    return removed;
  }

  /** Deletes a group room with everything in it: the owner only. */
  async remove(principal: ChatPrincipal, roomId: string): Promise<void> {
    const memberIds = await this.dataSource.transaction(async (manager) => {
      const { room } = await this.access.room<RoomEntity, RoomMemberEntity>(principal, 'room.delete', roomId, { manager, lock: true });
      const members = await manager.getRepository(RoomMemberEntity).find({ select: { userId: true }, where: { roomId } });
      await manager.getRepository(RoomEntity).delete(room.id);
      return members.map((member) => member.userId);
    });
    this.events.publish('room.deleted', { roomId, memberIds });
  }

  async join(principal: ChatPrincipal, roomId: string): Promise<RoomResponse> {
    const { room, member, recorded } = await this.dataSource.transaction(async (manager) => {
      const { room, membership } = await this.access.room<RoomEntity, RoomMemberEntity>(principal, 'room.view', roomId, { manager, lock: true });
      if (membership) throw new ChatError('ALREADY_MEMBER', 'You are already a member of this room');
      this.access.requireGuestMay(principal, 'room.join', room);
      this.access.require(canJoinRoom(room, membership), 'Only public group rooms can be joined');
      await this.access.requireNotBanned(room.id, [principal.userId], manager);
      const member = await this.membership.add(manager, room.id, principal.userId, 'member');
      const recorded = await this.systemMessages.record(manager, { id: room.id, type: room.type, version: member.version }, { event: 'member.joined', actorId: principal.userId, targetId: null });
      return { room: await this.reload(manager, room.id), member, recorded };
    });
    await this.memberEvents.added(room.id, room.version, member);
    recorded.publish();
    return this.views.one(principal.userId, room);
  }

  async leave(principal: ChatPrincipal, roomId: string): Promise<void> {
    const { member, version, recorded } = await this.dataSource.transaction(async (manager) => {
      const { room, membership } = await this.access.member<RoomEntity, RoomMemberEntity>(principal, 'room.leave', roomId, { manager, lock: true });
      if (membership.role === 'owner') {
        throw new ChatError('CONFLICT', 'The owner must hand ownership to another member (PATCH their role to owner) or delete the room before leaving');
      }
      const version = await this.membership.remove(manager, membership);
      const recorded = await this.systemMessages.record(manager, { id: room.id, type: room.type, version }, { event: 'member.left', actorId: principal.userId, targetId: null });
      return { member: membership, version, recorded };
    });
    await this.memberEvents.removed(roomId, version, member);
    recorded.publish();
  }

  /**
   * Mute sets the caller's notification level to `none`; unmute sets `all` and clears `mutedUntil`. The caller's own
   * preference: it changes no shared state, so it is not a room change.
   */
  async setMuted(principal: ChatPrincipal, roomId: string, muted: boolean): Promise<RoomResponse> {
    return this.saveNotifications(principal, roomId, muted ? { notificationLevel: 'none' } : { notificationLevel: 'all', mutedUntil: null });
  }

  /** The caller's notification level and `mutedUntil` in the room, replaced (a `mutedUntil` left out clears it). */
  async setNotifications(principal: ChatPrincipal, roomId: string, dto: RoomNotificationsDto): Promise<RoomResponse> {
    return this.saveNotifications(principal, roomId, { notificationLevel: dto.level, mutedUntil: dto.mutedUntil ? new Date(dto.mutedUntil) : null });
  }

  private async saveNotifications(principal: ChatPrincipal, roomId: string, changes: Pick<Partial<RoomMemberEntity>, 'notificationLevel' | 'mutedUntil'>): Promise<RoomResponse> {
    const { room } = await this.access.member<RoomEntity, RoomMemberEntity>(principal, 'room.notifications', roomId);
    await this.dataSource.getRepository(RoomMemberEntity).update({ roomId: room.id, userId: principal.userId }, changes);
    return this.views.one(principal.userId, room);
  }

  private async createGroup(principal: ChatPrincipal, dto: CreateRoomDto, others: string[]): Promise<CreatedRoom> {
    if (others.length + 1 > this.config.limits.maxInitialMembers) {
      throw new ChatError('INVALID_INPUT', `A room can be created with at most ${this.config.limits.maxInitialMembers} members`);
    }
    const { room, members, recorded } = await this.dataSource.transaction(async (manager) => {
      if (dto.imageId) await this.requireOwnImage(manager, principal.userId, dto.imageId);
      await this.access.requireCanAdd(principal.userId, { type: 'group', isPublic: dto.isPublic ?? false, allowGuests: false }, others, 'member', manager);
      const room = await this.insertRoom(manager, {
        type: 'group',
        imageId: dto.imageId?.toLowerCase() ?? null,
        title: dto.title?.trim() ?? '',
        description: dto.description?.trim() ?? '',
        isPublic: dto.isPublic ?? false,
        creatorId: principal.userId,
        directKey: null,
        memberCount: others.length + 1,
      });
      const members = [
        ...(await this.membership.insert(manager, room.id, [principal.userId], 'owner', room.version)),
        ...(await this.membership.insert(manager, room.id, others, 'member', room.version)),
      ];
      const recorded = await this.systemMessages.record(manager, room, { event: 'room.created', actorId: principal.userId, targetId: null });
      return { room: await this.reload(manager, room.id), members, recorded };
    });
    await this.memberEvents.addedMany(room.id, room.version, members);
    recorded.publish();
    return { created: true, room: await this.views.one(principal.userId, room) };
  }

  /**
   * One direct room per pair, even when both people create it at the same moment: the pair's key has a unique
   * index, so the second insert fails and returns the room the first one made.
   */
  private async createDirect(principal: ChatPrincipal, dto: CreateRoomDto, others: string[]): Promise<CreatedRoom> {
    if (others.length === 0) throw new ChatError('INVALID_INPUT', 'A direct room needs one other member: you cannot open one with yourself');
    if (others.length > 1) throw new ChatError('INVALID_INPUT', 'A direct room has exactly two members; create a group room for more');
    if (dto.isPublic) throw new ChatError('INVALID_INPUT', 'A direct room cannot be public');
    if (dto.imageId) throw new ChatError('INVALID_INPUT', 'A direct room has no picture of its own');
    if (dto.title?.trim() || dto.description?.trim()) {
      throw new ChatError('INVALID_INPUT', "A direct room has no title or description of its own: it shows the other member's name");
    }
    // Checked before the existing room is returned: a blocked user cannot reopen the room either.
    await this.access.requireCanAdd(principal.userId, { type: 'direct', isPublic: false, allowGuests: false }, others, 'member');
    const pair = [principal.userId, others[0]].sort();
    const directKey = createHash('sha256').update(JSON.stringify(pair)).digest('hex');
    const existing = await this.dataSource.getRepository(RoomEntity).findOneBy({ directKey });
    if (existing) return { created: false, room: await this.views.one(principal.userId, existing) };
    try {
      const { room, members } = await this.dataSource.transaction(async (manager) => {
        const room = await this.insertRoom(manager, { type: 'direct', title: '', description: '', isPublic: false, creatorId: principal.userId, directKey, memberCount: 2 });
        return { room, members: await this.membership.insert(manager, room.id, pair, 'member', room.version) };
      });
      await this.memberEvents.addedMany(room.id, room.version, members);
      return { created: true, room: await this.views.one(principal.userId, room) };
    } catch (error) {
      if (!(error instanceof QueryFailedError) || (error.driverError as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      const winner = await this.dataSource.getRepository(RoomEntity).findOneByOrFail({ directKey });
      return { created: false, room: await this.views.one(principal.userId, winner) };
    }
  }

  /** Slow mode and frozen are moderation: each change is audited in the transaction that makes it. */
  private async auditModeration(manager: EntityManager, actorId: string, room: RoomEntity, next: Pick<RoomEntity, 'slowModeSeconds' | 'frozen'>): Promise<void> {
    const target = { type: 'room' as const, id: room.id };
    if (next.slowModeSeconds !== room.slowModeSeconds) {
      await this.audit.record({ actorId, action: 'room.slowMode', target, roomId: room.id, details: { from: room.slowModeSeconds, to: next.slowModeSeconds } }, manager);
    }
    if (next.frozen !== room.frozen) await this.audit.record({ actorId, action: next.frozen ? 'room.frozen' : 'room.unfrozen', target, roomId: room.id }, manager);
  }

  /** A room picture must be an image the caller uploaded. */
  private async requireOwnImage(manager: EntityManager, userId: string, imageId: string): Promise<void> {
    try {
      await this.images.requireOwnImages(manager, userId, [imageId]);
    } catch (error) {
      if (error instanceof ChatError && error.code === 'INVALID_INPUT') throw new ChatError('INVALID_INPUT', 'imageId must name an image you uploaded');
      throw error;
    }
  }

  /** A new room starts at version 1: its creation is its first change. */
  private async insertRoom(manager: EntityManager, fields: Partial<RoomEntity>): Promise<RoomEntity> {
    const repository = manager.getRepository(RoomEntity);
    const { identifiers } = await repository.insert(repository.create({ ...fields, version: 1 }));
    return this.reload(manager, identifiers[0].id as string);
  }

  private async reload(manager: EntityManager, roomId: string): Promise<RoomEntity> {
    return manager.getRepository(RoomEntity).findOneByOrFail({ id: roomId });
  }
}
