import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { UsersService } from '../users/users.service';
import { RoomMemberRemovalEntity } from './entities/room-member-removal.entity';
import { RoomMemberEntity, type MemberRole } from './entities/room-member.entity';
import { bumpRoomVersion } from '../common/room-counters';

/**
 * The only writer of memberships, shared by room creation, join, leave and the member routes, so that every
 * way in or out keeps the member count, the room version and the removal log right.
 */
@Injectable()
export class RoomMembershipService {
  constructor(private readonly users: UsersService) {}

  /** Adds one member as one change of the room; the caller has checked the rules and holds the room's lock. */
  async add(manager: EntityManager, roomId: string, userId: string, role: MemberRole): Promise<RoomMemberEntity> {
    const version = await bumpRoomVersion(manager, roomId, 1);
    return this.insert(manager, roomId, [userId], role, version).then((members) => members[0]);
  }

  /**
   * Inserts the members of a room being created, all at its first version. Every way a user becomes a member goes
   * through here, so unknown user ids are refused here (404 USER_NOT_FOUND, when the host can tell: `resolveUsers`).
   */
  async insert(manager: EntityManager, roomId: string, userIds: string[], role: MemberRole, version: number): Promise<RoomMemberEntity[]> {
    await this.users.requireKnown(manager, userIds);
    await this.users.ensureExist(manager, userIds);
    const repository = manager.getRepository(RoomMemberEntity);
    const members = userIds.map((userId) => repository.create({ roomId, userId, role, version }));
    await repository.insert(members);
    await manager
      .createQueryBuilder()
      .delete()
      .from(RoomMemberRemovalEntity)
      .where('room_id = :roomId AND user_id = ANY(:userIds)', { roomId, userIds })
      .execute();
    // Reload for the database defaults (joinedAt, pointers).
    return repository.createQueryBuilder('m').where('m.roomId = :roomId AND m.userId = ANY(:userIds)', { roomId, userIds }).getMany();
  }

  /** Removes one member as one change of the room, and logs the removal for `changes?since=`. */
  async remove(manager: EntityManager, member: RoomMemberEntity): Promise<number> {
    const version = await bumpRoomVersion(manager, member.roomId, -1);
    await manager.getRepository(RoomMemberEntity).delete({ roomId: member.roomId, userId: member.userId });
    await manager.getRepository(RoomMemberRemovalEntity).upsert({ roomId: member.roomId, userId: member.userId, version }, ['roomId', 'userId']);
    return version;
  }

  /** The members of a room who are guests (by their chat profile). */
  async guestMembers(manager: EntityManager, roomId: string): Promise<RoomMemberEntity[]> {
    return manager
      .getRepository(RoomMemberEntity)
      .createQueryBuilder('m')
      .innerJoin('chat_users', 'u', 'u.id = m.user_id AND u.guest')
      .where('m.roomId = :roomId', { roomId })
      .getMany();
  }

  /** Changes a member's role as one change of the room. */
  async setRole(manager: EntityManager, member: RoomMemberEntity, role: MemberRole): Promise<RoomMemberEntity> {
    const version = await bumpRoomVersion(manager, member.roomId);
    await manager.getRepository(RoomMemberEntity).update({ roomId: member.roomId, userId: member.userId }, { role, version });
    return { ...member, role, version };
  }

  /** Silences a member until `until` (null lifts it) as one change of the room. */
  async setSilence(manager: EntityManager, member: RoomMemberEntity, until: Date | null): Promise<RoomMemberEntity> {
    const version = await bumpRoomVersion(manager, member.roomId);
    await manager.getRepository(RoomMemberEntity).update({ roomId: member.roomId, userId: member.userId }, { silencedUntil: until, version });
    return { ...member, silencedUntil: until, version };
  }
}
