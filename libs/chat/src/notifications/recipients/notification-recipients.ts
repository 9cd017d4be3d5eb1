import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PRESENCE_STORE, type PresenceStore } from '../../presence/presence-store';
import { UsersService } from '../../users/users.service';
import type { PushContent } from '../drivers/delivery-outcome';

/** Longest push body, in characters (code points); longer text is cut at a word and ends with an ellipsis. */
export const PUSH_BODY_LENGTH = 100;

/** A registered push target. */
export interface DeviceRow {
  id: string;
  user_id: string;
  platform: 'fcm' | 'webpush';
  target: string;
  p256dh: string | null;
  auth: string | null;
}

/** A new message and who is to hear of it (see "Who is notified" in API.md). */
export interface MessageNotifications {
  messageId: string;
  roomId: string;
  push: PushContent;
  /** Members to notify, each with their devices (possibly none). */
  recipients: Array<{ userId: string; devices: DeviceRow[] }>;
}

interface MessageRow {
  id: string;
  room_id: string;
  seq: number;
  sender_id: string | null;
  body: string;
  mentions: string[];
  deleted: boolean;
  image_count: number;
  room_type: 'direct' | 'group';
  room_title: string;
}

interface MemberRow {
  room_id: string;
  user_id: string;
  notification_level: 'all' | 'mentions' | 'none';
  muted: boolean;
}

/**
 * Who gets a push for a new message: every member other than the sender whose room level allows it (`all`;
 * `mentions` only when mentioned; `none` never), who is not muted until a later time, and who has no live socket on
 * any node (the presence store, shared through Redis between nodes). System messages (no sender) notify nobody, nor
 * does a message deleted before its turn came.
 */
@Injectable()
export class NotificationRecipients {
  constructor(
    @Inject(PRESENCE_STORE) private readonly presence: PresenceStore,
    private readonly users: UsersService,
  ) {}

  async forMessages(manager: EntityManager, messageIds: string[]): Promise<MessageNotifications[]> {
    if (messageIds.length === 0) return [];
    const messages: MessageRow[] = await manager.query(
      `SELECT m.id, m.room_id, m.seq, m.sender_id, m.body, m.mentions, m.deleted_at IS NOT NULL AS deleted,
              (SELECT count(*)::int FROM chat_message_images mi WHERE mi.message_id = m.id) AS image_count,
              r.type AS room_type, r.title AS room_title
       FROM chat_messages m JOIN chat_rooms r ON r.id = m.room_id
       WHERE m.id = ANY($1::uuid[])`,
      [messageIds],
    );
    const live = messages.filter((message) => message.sender_id !== null && !message.deleted);
    if (live.length === 0) return [];
    const members: MemberRow[] = await manager.query(
      `SELECT room_id, user_id, notification_level, (muted_until IS NOT NULL AND muted_until > now()) AS muted
       FROM chat_room_members WHERE room_id = ANY($1::uuid[])`,
      [[...new Set(live.map((message) => message.room_id))]],
    );
    const membersByRoom = new Map<string, MemberRow[]>();
    for (const member of members) {
      const list = membersByRoom.get(member.room_id) ?? [];
      list.push(member);
      membersByRoom.set(member.room_id, list);
    }
    const candidates = new Map<string, string[]>();
    for (const message of live) {
      const mentioned = new Set(message.mentions ?? []);
      candidates.set(
        message.id,
        (membersByRoom.get(message.room_id) ?? [])
          .filter((member) => member.user_id !== message.sender_id && !member.muted)
          .filter((member) => member.notification_level === 'all' || (member.notification_level === 'mentions' && mentioned.has(member.user_id)))
          .map((member) => member.user_id),
      );
    }
    const everyone = [...new Set([...candidates.values()].flat())];
    const online = everyone.length ? await this.presence.onlineUsers(everyone) : new Set<string>();
    const offline = everyone.filter((userId) => !online.has(userId));
    const devices: DeviceRow[] = offline.length
      ? await manager.query(`SELECT id, user_id, platform, target, p256dh, auth FROM chat_devices WHERE user_id = ANY($1::varchar[]) ORDER BY created_at, id`, [offline])
      : [];
    const devicesByUser = new Map<string, DeviceRow[]>();
    for (const device of devices) {
      const list = devicesByUser.get(device.user_id) ?? [];
      list.push(device);
      devicesByUser.set(device.user_id, list);
    }
    const directSenders = live.filter((message) => message.room_type === 'direct').map((message) => message.sender_id as string);
    const names = directSenders.length ? await this.users.namesOf(directSenders, manager) : new Map<string, string | null>();
    return live.map((message) => ({
      messageId: message.id,
      roomId: message.room_id,
      push: {
        title: message.room_type === 'direct' ? names.get(message.sender_id as string) || (message.sender_id as string) : message.room_title || 'New message',
        body: pushBody(message.body, message.image_count),
        data: { roomId: message.room_id, messageId: message.id, seq: String(message.seq) },
      },
      recipients: (candidates.get(message.id) ?? []).filter((userId) => !online.has(userId)).map((userId) => ({ userId, devices: devicesByUser.get(userId) ?? [] })),
    }));
  }
}

/** The message text on one line, cut to about `PUSH_BODY_LENGTH` characters at a word; "Image" for images only. */
export function pushBody(text: string, imageCount: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (!clean) return imageCount > 1 ? 'Images' : imageCount === 1 ? 'Image' : '';
  const chars = [...clean];
  if (chars.length <= PUSH_BODY_LENGTH) return clean;
  let cut = chars.slice(0, PUSH_BODY_LENGTH - 1).join('');
  const space = cut.lastIndexOf(' ');
  if (space >= PUSH_BODY_LENGTH * 0.6) cut = cut.slice(0, space);
  return `${cut.trimEnd()}…`;
}
