import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditLogService } from '../audit/audit-log.service';
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { toImageResponse } from '../images/dto/image.response';
import { ImageEntity } from '../images/entities/image.entity';
import { toDeviceResponse } from '../notifications/devices/dto/device.response';
import { DeviceEntity } from '../notifications/devices/entities/device.entity';
import { UserBlockEntity } from '../blocks/entities/user-block.entity';
import { toReportResponse } from '../moderation/dto/report.response';
import { MessageReportEntity } from '../moderation/entities/message-report.entity';
import { RoomBanEntity } from '../moderation/entities/room-ban.entity';
import { UserBanEntity } from '../users/entities/user-ban.entity';
import { toUserBanResponse } from './dto/user-ban.response';
import type { ExportedMembership, ExportedMessage, ExportedProfile, ExportedReaction, UserExportResponse } from './dto/user-export.response';

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

/**
 * Everything the chat stores about one user, as JSON (the right of access): profile and last-seen time,
 * memberships, every message they sent (with its edit history and image ids; a deleted message with its content
 * only where the module retains deleted content), their reactions, uploaded images (metadata), devices (without
 * push tokens or keys), the reports they filed, their room bans, the users they blocked and their server-wide ban. Read in one transaction, so the parts agree with each other.
 */
@Injectable()
export class UserExportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ChatConfig,
    private readonly audit: AuditLogService,
  ) {}

  async export(principal: ChatPrincipal, userId: string): Promise<UserExportResponse> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const [profileRow] = (await manager.query(
        `SELECT u.id, u.name, u.avatar_url, u.created_at, u.updated_at, p.last_seen_at
         FROM chat_users u LEFT JOIN chat_user_presence p ON p.user_id = u.id WHERE u.id = $1`,
        [userId],
      )) as Array<{ id: string; name: string | null; avatar_url: string | null; created_at: Date; updated_at: Date; last_seen_at: Date | null }>;
      const memberships = (await manager.query(
        `SELECT m.room_id, r.type, r.title, m.role, m.joined_at, m.notification_level, m.muted_until, m.last_read_seq, m.last_delivered_seq
         FROM chat_room_members m JOIN chat_rooms r ON r.id = m.room_id WHERE m.user_id = $1 ORDER BY m.joined_at, m.room_id`,
        [userId],
      )) as Array<Record<string, unknown>>;
      const messages = (await manager.query(
        `SELECT m.id, m.room_id, m.seq, m.body, m.parent_id, m.mentions, m.client_id, m.created_at, m.edited_at, m.deleted_at,
                COALESCE((SELECT json_agg(json_build_object('body', e.body, 'replacedAt', e.replaced_at) ORDER BY e.replaced_at) FROM chat_message_edits e WHERE e.message_id = m.id), '[]') AS edits,
                COALESCE((SELECT json_agg(mi.image_id ORDER BY mi.position) FROM chat_message_images mi WHERE mi.message_id = m.id), '[]') AS image_ids
         FROM chat_messages m WHERE m.sender_id = $1 ORDER BY m.created_at, m.id`,
        [userId],
      )) as Array<Record<string, unknown>>;
      const reactions = (await manager.query(
        `SELECT r.message_id, m.room_id, r.emoji, r.created_at FROM chat_message_reactions r JOIN chat_messages m ON m.id = r.message_id
         WHERE r.user_id = $1 ORDER BY r.created_at`,
        [userId],
      )) as Array<Record<string, unknown>>;
      const images = await manager.getRepository(ImageEntity).find({ where: { uploaderId: userId }, order: { createdAt: 'ASC' } });
      const devices = await manager.getRepository(DeviceEntity).find({ where: { userId }, order: { createdAt: 'ASC' } });
      const reports = await manager.getRepository(MessageReportEntity).find({ where: { reporterId: userId }, order: { createdAt: 'ASC' } });
      const roomBans = await manager.getRepository(RoomBanEntity).find({ where: { userId }, order: { createdAt: 'ASC' } });
      const blocks = await manager.getRepository(UserBlockEntity).find({ where: { blockerId: userId }, order: { createdAt: 'ASC' } });
      const ban = await manager.getRepository(UserBanEntity).findOneBy({ userId });
      const stored = memberships.length + messages.length + reactions.length + images.length + devices.length + reports.length + roomBans.length + blocks.length;
      if (!profileRow && stored === 0 && !ban) {
        throw new ChatError('USER_NOT_FOUND', 'The chat stores nothing about this user');
      }
      await this.audit.record({ actorId: principal.userId, action: 'user.exported', target: { type: 'user', id: userId } }, manager);
      const profile: ExportedProfile | null = profileRow
        ? {
            id: profileRow.id,
            name: profileRow.name,
            avatarUrl: profileRow.avatar_url,
            createdAt: iso(profileRow.created_at) as string,
            updatedAt: iso(profileRow.updated_at) as string,
            lastSeenAt: iso(profileRow.last_seen_at),
          }
        : null;
      return {
        userId,
        exportedAt: new Date().toISOString(),
        profile,
        memberships: memberships.map(
          (row): ExportedMembership => ({
            roomId: row.room_id as string,
            roomType: row.type as 'direct' | 'group',
            roomTitle: row.title as string,
            role: row.role as string,
            joinedAt: iso(row.joined_at as Date) as string,
            notificationLevel: row.notification_level as string,
            mutedUntil: iso(row.muted_until as Date | null),
            lastReadSeq: Number(row.last_read_seq),
            lastDeliveredSeq: Number(row.last_delivered_seq),
          }),
        ),
        messages: messages.map(
          (row): ExportedMessage => ({
            id: row.id as string,
            roomId: row.room_id as string,
            seq: Number(row.seq),
            body: row.body as string,
            parentId: row.parent_id as string | null,
            mentions: row.mentions as string[],
            imageIds: jsonArray<string>(row.image_ids),
            clientId: row.client_id as string | null,
            createdAt: iso(row.created_at as Date) as string,
            editedAt: iso(row.edited_at as Date | null),
            deletedAt: iso(row.deleted_at as Date | null),
            edits: jsonArray<{ body: string; replacedAt: string }>(row.edits).map((edit) => ({ body: edit.body, replacedAt: iso(edit.replacedAt) as string })),
          }),
        ),
        reactions: reactions.map(
          (row): ExportedReaction => ({ messageId: row.message_id as string, roomId: row.room_id as string, emoji: row.emoji as string, createdAt: iso(row.created_at as Date) as string }),
        ),
        images: images.map((image) => toImageResponse(image, this.config.path)),
        devices: devices.map(toDeviceResponse),
        reports: reports.map(toReportResponse),
        roomBans: roomBans.map((roomBan) => ({ roomId: roomBan.roomId, reason: roomBan.reason, until: iso(roomBan.until), createdAt: iso(roomBan.createdAt) as string, createdBy: roomBan.createdBy })),
        blocks: blocks.map((block) => ({ userId: block.blockedId, createdAt: iso(block.createdAt) as string })),
        serverBan: ban ? toUserBanResponse(ban) : null,
      };
    });
  }
}

/** A json_agg column: parsed already by node-postgres, a string from some drivers. */
function jsonArray<T>(value: unknown): T[] {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T[];
}
