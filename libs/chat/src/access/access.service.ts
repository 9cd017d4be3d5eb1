import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ChatConfig } from '../common/chat-config';
import { UsersService } from '../users/users.service';
import { isUuid } from '../common/canonical-id';
import { ChatError, roomNotFound } from '../common/chat-error';
import { callerId, isGuestCaller, type AccessCaller, type AccessMembership, type AccessRoom, type MemberAccess, type MemberRole, type RoomAccess } from './access-records';
import { ROOM_RULES, canBecomeMember, canReach, canViewRoom, guestMay, isBanActive, SEND_REFUSALS, type Membership } from './access-rules';
import { AccessRepository, type RoomGrant } from './access.repository';
import type { MemberPermission, RoomPermission } from './room-permission';

export interface AccessOptions {
  /** Run inside this transaction (always pass it inside one: the embedded database has a single session). */
  manager?: EntityManager;
  /** Lock the room row until the transaction ends, serialising changes to the room. */
  lock?: boolean;
  /**
   * Hold the room row against deletion until the transaction ends (FOR KEY SHARE: changes and sends of the room go
   * on), for work that inserts rows referring to the room; a room deleted while this waited is not found.
   */
  holdAgainstDeletion?: boolean;
}

/**
 * The one place that answers "may user U do P with these rooms, images, users". Each answer is a rule of
 * `ROOM_RULES` on rows loaded by AccessRepository, then the host's `canAccessRoom` policy, so the policy covers
 * rooms, messages, images, presence and sockets alike. Not being allowed to see a room and the room not
 * existing look the same (404), so a room's existence never leaks to outsiders; a room the caller sees but may
 * not act on answers 403 with the reason.
 *
 * The database function that writes messages (migration MessageWriteFunction) checks membership once more
 * under the rooms' row locks: a member removed while their send waited for the lock must be refused, and only a
 * check inside the locking transaction can see that.
 */
@Injectable()
export class AccessService {
  private readonly logger = new Logger('AccessService');

  constructor(
    private readonly repository: AccessRepository,
    private readonly config: ChatConfig,
    private readonly profiles: UsersService,
  ) {}

  /** The room if the user holds `permission` in it; else 404 (cannot see it) or 403 (sees it, may not). */
  async room<R extends AccessRoom = AccessRoom, M extends AccessMembership = AccessMembership>(
    caller: AccessCaller,
    permission: RoomPermission,
    roomId: string,
    options: AccessOptions = {},
  ): Promise<RoomAccess<R, M>> {
    const userId = callerId(caller);
    const [access] = isUuid(roomId) ? await this.repository.rooms<R, M>(userId, [roomId], options) : [];
    const rule = ROOM_RULES[permission];
    if (!access || !this.sees(rule.seenBy, access) || !(await this.hostAllows(userId, access.room, access.membership))) throw roomNotFound();
    this.requireGuestMay(caller, permission, access.room);
    if (!rule.allows(access.room, access.membership)) throw new ChatError('FORBIDDEN', rule.denied(access.room, access.membership));
    return access;
  }

  /** `room()` for a permission that only members can hold, typed with the membership. */
  async member<R extends AccessRoom = AccessRoom, M extends AccessMembership = AccessMembership>(
    caller: AccessCaller,
    permission: MemberPermission,
    roomId: string,
    options: AccessOptions = {},
  ): Promise<MemberAccess<R, M>> {
    return (await this.room<R, M>(caller, permission, roomId, options)) as MemberAccess<R, M>;
  }

  /** The room if the user is a member of it, else 404. */
  memberRoom<R extends AccessRoom = AccessRoom, M extends AccessMembership = AccessMembership>(
    caller: AccessCaller,
    roomId: string,
    options: AccessOptions = {},
  ): Promise<MemberAccess<R, M>> {
    return this.member<R, M>(caller, 'room.read', roomId, options);
  }

  /** The ids among `roomIds` in which the user holds `permission`. */
  async rooms(caller: AccessCaller, permission: RoomPermission, roomIds: string[], manager?: EntityManager): Promise<Set<string>> {
    const userId = callerId(caller);
    const rule = ROOM_RULES[permission];
    const accesses = await this.repository.rooms(userId, roomIds.filter(isUuid), { manager });
    const candidates = accesses.filter(
      (access) => this.sees(rule.seenBy, access) && (!isGuestCaller(caller) || guestMay(permission, access.room)) && rule.allows(access.room, access.membership),
    );
    const allowed = await Promise.all(candidates.map((access) => this.hostAllows(userId, access.room, access.membership)));
    return new Set(candidates.filter((_, index) => allowed[index]).map((access) => access.room.id));
  }

  /** 403 GUEST_NOT_ALLOWED when a guest asks for a permission guests do not hold in this room (see `guestMay`). */
  requireGuestMay(caller: AccessCaller, permission: RoomPermission, room: Pick<AccessRoom, 'type' | 'isPublic' | 'allowGuests'>): void {
    if (isGuestCaller(caller) && !guestMay(permission, room)) throw guestNotAllowed();
  }

  /**
   * Whether `adderId` may make `userIds` members of `room` with `role`: 403 BLOCKED when one of them blocked the
   * adder, 403 GUEST_NOT_ALLOWED when one is a guest the room cannot take (see `canBecomeMember`). Room creation
   * (group and direct) and the member routes ask it, inside their transaction.
   */
  async requireCanAdd(adderId: string, room: Pick<AccessRoom, 'type' | 'isPublic' | 'allowGuests'>, userIds: string[], role: MemberRole, manager?: EntityManager): Promise<void> {
    const others = userIds.filter((id) => id !== adderId);
    const blockers = await this.repository.blockersOf(adderId, others, manager);
    if (others.some((id) => !canReach(blockers.has(id)))) throw blocked();
    const guests = await this.profiles.guestsOf(others, manager);
    if (others.some((id) => !canBecomeMember(room, { guest: guests.has(id) }, role))) {
      throw new ChatError('GUEST_NOT_ALLOWED', 'Guests can only be plain members of public rooms that allow guests');
    }
  }

  /** Whether `userId` may hold `role` in `room` (a role change): 403 GUEST_NOT_ALLOWED for a guest above plain member. */
  async requireCanHoldRole(userId: string, room: Pick<AccessRoom, 'type' | 'isPublic' | 'allowGuests'>, role: MemberRole, manager?: EntityManager): Promise<void> {
    const guests = await this.profiles.guestsOf([userId], manager);
    if (!canBecomeMember(room, { guest: guests.has(userId) }, role)) throw new ChatError('GUEST_NOT_ALLOWED', 'A guest can only be a plain member');
  }

  /** Turns a rule about a room's content (a message, a member) into 403 with the reason. */
  require(allowed: boolean, reason: string): void {
    if (!allowed) throw new ChatError('FORBIDDEN', reason);
  }

  /**
   * Refuses (403 `BANNED`) when any of `userIds` is banned from the room: a banned user cannot join or be added
   * until the ban ends or is lifted. Pass the transaction that adds them.
   */
  async requireNotBanned(roomId: string, userIds: string[], manager?: EntityManager): Promise<void> {
    const banned = (await this.repository.bans(roomId, userIds, manager)).filter((ban) => isBanActive(ban));
    if (banned.length === 0) return;
    throw new ChatError('BANNED', userIds.length === 1 && banned[0].userId === userIds[0] ? 'Banned from this room' : `Banned from this room: ${banned.map((ban) => ban.userId).join(', ')}`);
  }

  /** The rooms whose events the user's sockets receive: every room they are a member of that the host allows. */
  async subscribedRoomIds(userId: string): Promise<string[]> {
    return this.allowedGrants(await this.repository.memberRooms(userId)).then((grants) => grants.map((grant) => grant.room.id));
  }

  /**
   * The ids among `imageIds` the user may see: their own uploads, images attached to live messages of their
   * rooms, and pictures of rooms they see, in each case through a room the host's policy allows.
   */
  async images(userId: string, imageIds: string[], manager?: EntityManager): Promise<Set<string>> {
    const grants = await this.repository.imageGrants(userId, imageIds.filter(isUuid), manager);
    const visible = await Promise.all(grants.map(async (image) => image.own || (await this.allowedGrants(image.rooms)).length > 0));
    return new Set(grants.filter((_, index) => visible[index]).map((image) => image.imageId));
  }

  /** The ids among `userIds` whose presence the user may see: themself, and users who share an allowed room. */
  async users(userId: string, userIds: string[]): Promise<Set<string>> {
    const shared = await this.repository.sharedRooms(userId, userIds);
    const visible = await Promise.all(shared.map(async (other) => (await this.allowedGrants(other.rooms)).length > 0));
    const sharing = shared.filter((_, index) => visible[index]).map((other) => other.userId);
    // Someone who blocked the user is, for their presence, as if they shared no room with them.
    const blockers = await this.repository.blockersOf(userId, sharing);
    const ids = new Set(sharing.filter((otherId) => canReach(blockers.has(otherId))));
    if (userIds.includes(userId)) ids.add(userId);
    return ids;
  }

  /** Who may see the user's presence: everybody who shares a room with them that the host allows them. */
  async presenceAudience(userId: string): Promise<string[]> {
    const mates = await this.repository.roomMates(userId);
    const visible = await Promise.all(mates.map(async (mate) => (await this.allowedGrants(mate.rooms)).length > 0));
    const audience = mates.filter((_, index) => visible[index]).map((mate) => mate.userId);
    // The users `userId` blocked get nothing about their presence.
    const blockedUsers = await this.repository.blockedBy(userId, audience);
    return audience.filter((mateId) => canReach(blockedUsers.has(mateId)));
  }

  private sees(seenBy: 'viewers' | 'members', { room, membership }: RoomAccess): boolean {
    return seenBy === 'members' ? membership !== null : canViewRoom(room, membership);
  }

  /** The grants whose room the host's policy allows to the grant's user (all of them without a policy). */
  private async allowedGrants(grants: RoomGrant[]): Promise<RoomGrant[]> {
    if (!this.config.options.canAccessRoom) return grants;
    const allowed = await Promise.all(grants.map((grant) => this.hostAllows(grant.userId, grant.room, grant.role ? { role: grant.role, userId: grant.userId } : null)));
    return grants.filter((_, index) => allowed[index]);
  }

  /** The host's policy; one that fails denies (and is logged), so an outage never opens rooms up. */
  private async hostAllows(userId: string, room: AccessRoom, membership: Membership): Promise<boolean> {
    const policy = this.config.options.canAccessRoom;
    if (!policy) return true;
    try {
      return (await policy({ userId, roomId: room.id, room: { type: room.type, isPublic: room.isPublic, creatorId: room.creatorId }, role: membership?.role ?? null })) === true;
    } catch (error) {
      this.logger.warn(`canAccessRoom failed for room ${room.id}; denying: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }
}

function guestNotAllowed(): ChatError {
  return new ChatError('GUEST_NOT_ALLOWED', 'Guests cannot do this');
}

function blocked(): ChatError {
  return new ChatError(SEND_REFUSALS.blocked.code, SEND_REFUSALS.blocked.message);
}
