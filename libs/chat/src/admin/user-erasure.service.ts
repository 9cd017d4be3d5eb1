import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditLogService } from '../audit/audit-log.service';
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatError } from '../common/chat-error';
import { ChatEventBus } from '../events/chat-event-bus';
import { ImagesService } from '../images/images.service';
import { RoomMemberEntity } from '../members/entities/room-member.entity';
import { MemberEventsPublisher } from '../members/member-events.publisher';
import { RoomMembershipService } from '../members/room-membership.service';
import { MessageEntity } from '../messages/entities/message.entity';
import { stampMessageChange } from '../messages/message-lookup';
import { MessageTombstones } from '../messages/message-tombstones';
import { MessageViewsService } from '../messages/message-views.service';
import { RoomEntity } from '../rooms/entities/room.entity';

/** What the erasure of one room's share did, to publish once its transaction has committed. */
type RoomOutcome =
  | { roomDeleted: true; roomId: string; memberIds: string[]; messages: number }
  | { roomDeleted: false; roomId: string; deleted: MessageEntity[]; unreacted: MessageEntity[]; newOwner: RoomMemberEntity | null; removed: { member: RoomMemberEntity; version: number } | null; messages: number };

/**
 * A user's erasure (the right to be forgotten). Room by room, each in one transaction under the room's lock: every
 * message they sent becomes a tombstone with its body, edit history, mentions and images removed, whatever the
 * retention option (`message.deleted` for those that were live); their reactions go (`message.updated`); their
 * membership goes (`member.removed`). A group room they own passes to its longest-standing admin, else its
 * longest-standing member (`member.updated`), and a room left with nobody in it is deleted (`room.deleted`).
 * Then their uploads (with the files), devices, presence and profile are deleted, and the erasure is audited.
 *
 * Not one transaction for all: a user's history can span any number of rooms, and holding every one of their locks
 * at once would stall them all. Each step is idempotent, so an erasure interrupted half-way is completed by running
 * it again. What stays: the tombstones (a room's seq stays gapless), the audit log (ids only) and a server-wide ban,
 * so an erased abuser stays banned. The host's own account of the user is the host's to delete.
 */
@Injectable()
export class UserErasureService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tombstones: MessageTombstones,
    private readonly messageViews: MessageViewsService,
    private readonly membership: RoomMembershipService,
    private readonly memberEvents: MemberEventsPublisher,
    private readonly images: ImagesService,
    private readonly events: ChatEventBus,
    private readonly audit: AuditLogService,
  ) {}

  async erase(principal: ChatPrincipal, userId: string): Promise<void> {
    const roomIds = (
      (await this.dataSource.query(
        `SELECT room_id FROM chat_messages WHERE sender_id = $1
         UNION SELECT room_id FROM chat_room_members WHERE user_id = $1
         UNION SELECT m.room_id FROM chat_message_reactions r JOIN chat_messages m ON m.id = r.message_id WHERE r.user_id = $1
         ORDER BY room_id`,
        [userId],
      )) as Array<{ room_id: string }>
    ).map((row) => row.room_id);
    const [{ stored }] = (await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM chat_users WHERE id = $1) OR EXISTS (SELECT 1 FROM chat_images WHERE uploader_id = $1)
              OR EXISTS (SELECT 1 FROM chat_devices WHERE user_id = $1) OR EXISTS (SELECT 1 FROM chat_user_presence WHERE user_id = $1) AS stored`,
      [userId],
    )) as Array<{ stored: boolean }>;
    if (roomIds.length === 0 && !stored) throw new ChatError('USER_NOT_FOUND', 'The chat stores nothing about this user');

    let messages = 0;
    let roomsDeleted = 0;
    for (const roomId of roomIds) {
      const outcome = await this.dataSource.transaction((manager) => this.eraseFromRoom(manager, roomId, userId));
      if (!outcome) continue;
      messages += outcome.messages;
      if (outcome.roomDeleted) roomsDeleted += 1;
      await this.publish(outcome);
    }
    const images = await this.images.removeAllOf(userId);
    await this.dataSource.transaction(async (manager) => {
      const [devices] = (await manager.query(`DELETE FROM chat_devices WHERE user_id = $1 RETURNING id`, [userId])) as [unknown[], number];
      await manager.query(`DELETE FROM chat_user_presence WHERE user_id = $1`, [userId]);
      // Their blocks (both ways) and the reports they filed (with their reasons, which are their words). Room bans
      // and a server ban stay: they are the moderators' records, and erasure does not lift them.
      await manager.query(`DELETE FROM chat_user_blocks WHERE blocker_id = $1 OR blocked_id = $1`, [userId]);
      const [reports] = (await manager.query(`DELETE FROM chat_message_reports WHERE reporter_id = $1 RETURNING id`, [userId])) as [unknown[], number];
      await manager.query(`DELETE FROM chat_users WHERE id = $1`, [userId]);
      await this.audit.record(
        { actorId: principal.userId, action: 'user.erased', target: { type: 'user', id: userId }, details: { rooms: roomIds.length, messages, images, devices: devices.length, reports: reports.length, roomsDeleted } },
        manager,
      );
    });
  }

  /** The user's share of one room, erased under the room's lock; null when the room is gone meanwhile. */
  private async eraseFromRoom(manager: EntityManager, roomId: string, userId: string): Promise<RoomOutcome | null> {
    const room = await manager.getRepository(RoomEntity).createQueryBuilder('r').where('r.id = :roomId', { roomId }).setLock('pessimistic_write').getOne();
    if (!room) return null;
    const members = await manager.getRepository(RoomMemberEntity).find({ where: { roomId }, order: { joinedAt: 'ASC', userId: 'ASC' } });
    const own = await manager.getRepository(MessageEntity).find({ where: { roomId, senderId: userId }, order: { seq: 'ASC' } });
    const member = members.find((candidate) => candidate.userId === userId) ?? null;
    const others = members.filter((candidate) => candidate.userId !== userId);
    if (member && others.length === 0) {
      // Nobody would be left: the room goes with everything in it.
      await manager.getRepository(RoomEntity).delete(room.id);
      return { roomDeleted: true, roomId, memberIds: [userId], messages: own.length };
    }
    const deleted: MessageEntity[] = [];
    for (const message of own) {
      const tombstone = await this.tombstones.erase(manager, message);
      if (tombstone) deleted.push(tombstone);
    }
    const unreacted: MessageEntity[] = [];
    const [reacted] = (await manager.query(
      `DELETE FROM chat_message_reactions r USING chat_messages m WHERE r.message_id = m.id AND m.room_id = $1 AND r.user_id = $2 RETURNING r.message_id`,
      [roomId, userId],
    )) as [Array<{ message_id: string }>, number];
    for (const messageId of new Set(reacted.map((row) => row.message_id))) {
      const message = await manager.getRepository(MessageEntity).findOneBy({ id: messageId });
      if (message && !message.deletedAt) unreacted.push(await stampMessageChange(manager, message, {}));
    }
    let newOwner: RoomMemberEntity | null = null;
    let removed: { member: RoomMemberEntity; version: number } | null = null;
    if (member) {
      if (member.role === 'owner' && room.type === 'group') {
        const heir = others.find((candidate) => candidate.role === 'admin') ?? others[0];
        newOwner = await this.membership.setRole(manager, heir, 'owner');
      }
      removed = { member, version: await this.membership.remove(manager, member) };
    }
    return { roomDeleted: false, roomId, deleted, unreacted, newOwner, removed, messages: own.length };
  }

  private async publish(outcome: RoomOutcome): Promise<void> {
    const { roomId } = outcome;
    if (outcome.roomDeleted) {
      this.events.publish('room.deleted', { roomId, memberIds: outcome.memberIds });
      return;
    }
    for (const message of outcome.deleted) this.events.publish('message.deleted', { roomId, version: message.version, messageId: message.id });
    for (const message of outcome.unreacted) this.events.publish('message.updated', { roomId, version: message.version, message: await this.messageViews.one(null, message) });
    if (outcome.newOwner) await this.memberEvents.updated(roomId, outcome.newOwner.version, outcome.newOwner);
    if (outcome.removed) await this.memberEvents.removed(roomId, outcome.removed.version, outcome.removed.member);
  }
}
