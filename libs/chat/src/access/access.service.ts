import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { ChatConfig } from '../common/chat-config';
import { ChatError, roomNotFound } from '../common/chat-error';
import { RoomMemberEntity } from '../rooms/entities/room-member.entity';
import { RoomEntity } from '../rooms/entities/room.entity';
import { canViewRoom } from './access-rules';

/** A room with the caller's membership of it. */
export interface RoomAccess {
  room: RoomEntity;
  membership: RoomMemberEntity | null;
}

export interface MemberAccess extends RoomAccess {
  membership: RoomMemberEntity;
}

export interface LoadOptions {
  /** Run inside this transaction (always pass it inside one: the embedded database has a single session). */
  manager?: EntityManager;
  /** Lock the room row until the transaction ends, serialising changes to the room. */
  lock?: boolean;
}

/**
 * The one place that loads a room for a caller and answers "may they". Not being allowed to see a room and the
 * room not existing look the same (404), so a room's existence never leaks to outsiders.
 */
@Injectable()
export class AccessService {
  private readonly logger = new Logger('AccessService');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ChatConfig,
  ) {}

  /** The room if the caller may see it (member, or a public group room), else 404. */
  async visibleRoom(userId: string, roomId: string, options: LoadOptions = {}): Promise<RoomAccess> {
    const access = await this.load(userId, roomId, options);
    if (!access || !canViewRoom(access.room, access.membership) || !(await this.hostAllows(userId, access))) throw roomNotFound();
    return access;
  }

  /** The room if the caller is a member of it, else 404. */
  async memberRoom(userId: string, roomId: string, options: LoadOptions = {}): Promise<MemberAccess> {
    const access = await this.load(userId, roomId, options);
    if (!access?.membership || !(await this.hostAllows(userId, access))) throw roomNotFound();
    return access as MemberAccess;
  }

  /** The ids among `roomIds` the host's `canAccessRoom` policy lets the user see (all of them without a policy). */
  async allowedByHostPolicy(userId: string, roomIds: string[], manager: EntityManager = this.dataSource.manager): Promise<Set<string>> {
    if (!this.config.options.canAccessRoom || roomIds.length === 0) return new Set(roomIds);
    const rooms = await manager.getRepository(RoomEntity).createQueryBuilder('r').where('r.id = ANY(:roomIds)', { roomIds }).getMany();
    const memberships = await manager
      .getRepository(RoomMemberEntity)
      .createQueryBuilder('m')
      .where('m.userId = :userId AND m.roomId = ANY(:roomIds)', { userId, roomIds })
      .getMany();
    const byRoom = new Map(memberships.map((membership) => [membership.roomId, membership]));
    const allowed = await Promise.all(rooms.map((room) => this.hostAllows(userId, { room, membership: byRoom.get(room.id) ?? null })));
    return new Set(rooms.filter((_, index) => allowed[index]).map((room) => room.id));
  }

  /** The host's policy; one that fails denies (and is logged), so an outage never opens rooms up. */
  private async hostAllows(userId: string, { room, membership }: RoomAccess): Promise<boolean> {
    const policy = this.config.options.canAccessRoom;
    if (!policy) return true;
    try {
      return (await policy({
        userId,
        roomId: room.id,
        room: { type: room.type, isPublic: room.isPublic, creatorId: room.creatorId },
        role: membership?.role ?? null,
      })) === true;
    } catch (error) {
      this.logger.warn(`canAccessRoom failed for room ${room.id}; denying: ${String(error)}`);
      return false;
    }
  }

  /** Turns a rule's answer into 403 with the reason. */
  require(allowed: boolean, reason: string): void {
    if (!allowed) throw new ChatError('FORBIDDEN', reason);
  }

  private async load(userId: string, roomId: string, { manager = this.dataSource.manager, lock = false }: LoadOptions): Promise<RoomAccess | null> {
    if (!isUuid(roomId)) return null;
    const rooms = manager.getRepository(RoomEntity).createQueryBuilder('r').where('r.id = :roomId', { roomId });
    if (lock) rooms.setLock('pessimistic_write');
    const room = await rooms.getOne();
    if (!room) return null;
    const membership = await manager.getRepository(RoomMemberEntity).findOneBy({ roomId, userId });
    return { room, membership };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

