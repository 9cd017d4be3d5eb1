import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { AccessBan, AccessMembership, AccessRoom, MemberRole, RoomAccess, RoomType } from './access-records';

/** A room a grant goes through, with the role in it of the user the grant is for (null: not a member). */
export interface RoomGrant {
  /** Whose grant it is (the caller, or for presence audiences each receiving user). */
  userId: string;
  room: AccessRoom;
  role: MemberRole | null;
}

/** An image and the rooms through which the caller may see it (none when only its uploader may). */
export interface ImageGrants {
  imageId: string;
  own: boolean;
  rooms: RoomGrant[];
}

/** Another user and the rooms the caller shares with them. */
export interface SharedRooms {
  userId: string;
  rooms: RoomGrant[];
}

interface GrantRow {
  user_id: string;
  room_id: string | null;
  type: RoomType | null;
  is_public: boolean | null;
  creator_id: string | null;
  role: MemberRole | null;
}

/**
 * Every query behind an access decision, on sets of ids: one statement per question, whatever the number of
 * ids. Rooms and memberships are read through the feature modules' entities by name, so this layer imports no
 * feature module.
 */
@Injectable()
export class AccessRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The rooms among `roomIds` that exist, with the user's membership of each; locked when asked (see AccessOptions). */
  async rooms<R extends AccessRoom, M extends AccessMembership>(
    userId: string,
    roomIds: string[],
    { manager = this.dataSource.manager, lock = false, holdAgainstDeletion = false }: { manager?: EntityManager; lock?: boolean; holdAgainstDeletion?: boolean } = {},
  ): Promise<Array<RoomAccess<R, M>>> {
    if (roomIds.length === 0) return [];
    const query = manager.getRepository<R>('RoomEntity').createQueryBuilder('r').where('r.id = ANY(:roomIds)', { roomIds });
    // Rooms are locked in id order, as every writer does, so two lockers never deadlock.
    if (lock) query.orderBy('r.id').setLock('pessimistic_write');
    else if (holdAgainstDeletion) query.orderBy('r.id').setLock('for_key_share');
    const rooms = await query.getMany();
    if (rooms.length === 0) return [];
    const memberships = await manager
      .getRepository<M>('RoomMemberEntity')
      .createQueryBuilder('m')
      .where('m.userId = :userId AND m.roomId = ANY(:roomIds)', { userId, roomIds: rooms.map((room) => room.id) })
      .getMany();
    const byRoom = new Map(memberships.map((membership) => [membership.roomId, membership]));
    return rooms.map((room) => ({ room, membership: byRoom.get(room.id) ?? null }));
  }

  /** The bans of the room on any of `userIds`, expired ones included (the rules tell which are active). */
  async bans(roomId: string, userIds: string[], manager: EntityManager = this.dataSource.manager): Promise<AccessBan[]> {
    if (userIds.length === 0) return [];
    const rows: Array<{ user_id: string; until: Date | null }> = await manager.query(
      `SELECT user_id, until FROM chat_room_bans WHERE room_id = $1 AND user_id = ANY($2::varchar[])`,
      [roomId, userIds],
    );
    return rows.map((row) => ({ userId: row.user_id, until: row.until === null ? null : new Date(row.until) }));
  }

  /** The rooms the user is a member of, with their role. */
  async memberRooms(userId: string): Promise<RoomGrant[]> {
    const rows: GrantRow[] = await this.dataSource.query(
      `SELECT m.user_id, r.id AS room_id, r.type, r.is_public, r.creator_id, m.role
       FROM chat_room_members m JOIN chat_rooms r ON r.id = m.room_id WHERE m.user_id = $1`,
      [userId],
    );
    return rows.map(toGrant);
  }

  /**
   * For each existing image among `imageIds`: whether the user uploaded it, and the rooms that show it to them:
   * rooms they are a member of where it is attached to a live message or is the room's picture, and public
   * group rooms whose picture it is.
   */
  async imageGrants(userId: string, imageIds: string[], manager: EntityManager = this.dataSource.manager): Promise<ImageGrants[]> {
    if (imageIds.length === 0) return [];
    const rows: Array<GrantRow & { image_id: string; own: boolean }> = await manager.query(
      `SELECT i.id AS image_id, i.uploader_id = $1 AS own, $1 AS user_id, g.room_id, g.type, g.is_public, g.creator_id, g.role
       FROM chat_images i
       LEFT JOIN LATERAL (
         SELECT r.id AS room_id, r.type, r.is_public, r.creator_id, mine.role
         FROM (
           SELECT msg.room_id FROM chat_message_images mi
           JOIN chat_messages msg ON msg.id = mi.message_id AND msg.deleted_at IS NULL
           WHERE mi.image_id = i.id
           UNION SELECT pictured.id FROM chat_rooms pictured WHERE pictured.image_id = i.id
         ) via
         JOIN chat_rooms r ON r.id = via.room_id
         LEFT JOIN chat_room_members mine ON mine.room_id = r.id AND mine.user_id = $1
         WHERE mine.user_id IS NOT NULL OR (r.image_id = i.id AND r.is_public AND r.type = 'group')
       ) g ON i.uploader_id <> $1
       WHERE i.id = ANY($2::uuid[])`,
      [userId, imageIds],
    );
    const byImage = new Map<string, ImageGrants>();
    for (const row of rows) {
      const grants = byImage.get(row.image_id) ?? { imageId: row.image_id, own: row.own, rooms: [] };
      if (row.room_id) grants.rooms.push(toGrant(row));
      byImage.set(row.image_id, grants);
    }
    return [...byImage.values()];
  }

  /** For each of `userIds` (the user included), the rooms the user shares with them. */
  async sharedRooms(userId: string, userIds: string[]): Promise<SharedRooms[]> {
    if (userIds.length === 0) return [];
    const rows: Array<GrantRow & { other_id: string }> = await this.dataSource.query(
      `SELECT theirs.user_id AS other_id, mine.user_id, r.id AS room_id, r.type, r.is_public, r.creator_id, mine.role
       FROM chat_room_members mine
       JOIN chat_room_members theirs ON theirs.room_id = mine.room_id AND theirs.user_id = ANY($2::varchar[])
       JOIN chat_rooms r ON r.id = mine.room_id
       WHERE mine.user_id = $1`,
      [userId, userIds],
    );
    return groupByOther(rows);
  }

  /** The users among `otherIds` who blocked `userId`. */
  async blockersOf(userId: string, otherIds: string[], manager: EntityManager = this.dataSource.manager): Promise<Set<string>> {
    if (otherIds.length === 0) return new Set();
    const rows: Array<{ blocker_id: string }> = await manager.query(
      `SELECT blocker_id FROM chat_user_blocks WHERE blocked_id = $1 AND blocker_id = ANY($2::varchar[])`,
      [userId, otherIds],
    );
    return new Set(rows.map((row) => row.blocker_id));
  }

  /** The users among `otherIds` whom `userId` blocked. */
  async blockedBy(userId: string, otherIds: string[]): Promise<Set<string>> {
    if (otherIds.length === 0) return new Set();
    const rows: Array<{ blocked_id: string }> = await this.dataSource.query(
      `SELECT blocked_id FROM chat_user_blocks WHERE blocker_id = $1 AND blocked_id = ANY($2::varchar[])`,
      [userId, otherIds],
    );
    return new Set(rows.map((row) => row.blocked_id));
  }

  /** Everybody who shares a room with the user, with the rooms and their own role in each (presence audiences). */
  async roomMates(userId: string): Promise<SharedRooms[]> {
    const rows: Array<GrantRow & { other_id: string }> = await this.dataSource.query(
      `SELECT theirs.user_id AS other_id, theirs.user_id, r.id AS room_id, r.type, r.is_public, r.creator_id, theirs.role
       FROM chat_room_members mine
       JOIN chat_room_members theirs ON theirs.room_id = mine.room_id
       JOIN chat_rooms r ON r.id = mine.room_id
       WHERE mine.user_id = $1`,
      [userId],
    );
    return groupByOther(rows);
  }
}

function toGrant(row: GrantRow): RoomGrant {
  return {
    userId: row.user_id,
    room: { id: row.room_id as string, type: row.type as RoomType, isPublic: row.is_public as boolean, creatorId: row.creator_id as string },
    role: row.role,
  };
}

function groupByOther(rows: Array<GrantRow & { other_id: string }>): SharedRooms[] {
  const byUser = new Map<string, SharedRooms>();
  for (const row of rows) {
    const shared = byUser.get(row.other_id) ?? { userId: row.other_id, rooms: [] };
    shared.rooms.push(toGrant(row));
    byUser.set(row.other_id, shared);
  }
  return [...byUser.values()];
}
