import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatEventBus } from '../events/chat-event-bus';
import type { PresenceResponse } from './dto/presence.dto';
import { PRESENCE_STORE, type PresenceStore } from './presence-store';

/**
 * Online state: the store counts connections, this service turns "first connection" and "last connection gone"
 * into `presence` events for the users who share a room, and keeps `lastSeenAt`.
 */
@Injectable()
export class PresenceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PresenceService');

  constructor(
    @Inject(PRESENCE_STORE) private readonly store: PresenceStore,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: ChatEventBus,
  ) {}

  onApplicationBootstrap(): void {
    this.store.start?.((userIds) => {
      for (const userId of userIds) void this.changed(userId, false).catch((error: unknown) => this.logger.warn(String(error)));
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.stop?.();
  }

  async connected(userId: string, connectionId: string): Promise<void> {
    if (await this.store.connect(userId, connectionId)) await this.changed(userId, true);
  }

  async disconnected(userId: string, connectionId: string): Promise<void> {
    if (await this.store.disconnect(userId, connectionId)) await this.changed(userId, false);
  }

  onlineUsers(userIds: string[]): Promise<Set<string>> {
    return userIds.length === 0 ? Promise.resolve(new Set()) : this.store.onlineUsers([...new Set(userIds)]);
  }

  /** Presence of the given users who share a room with the caller (the caller included); others are left out. */
  async list(principal: ChatPrincipal, userIds: string[]): Promise<PresenceResponse[]> {
    const rows: Array<{ id: string; last_seen_at: Date | null }> = await this.dataSource.query(
      `SELECT u.id, u.last_seen_at FROM chat_users u
       WHERE u.id = ANY($2::varchar[]) AND (u.id = $1 OR EXISTS (
         SELECT 1 FROM chat_room_members mine JOIN chat_room_members theirs ON theirs.room_id = mine.room_id
         WHERE mine.user_id = $1 AND theirs.user_id = u.id))`,
      [principal.userId, [...new Set(userIds)]],
    );
    const online = await this.onlineUsers(rows.map((row) => row.id));
    const byId = new Map(rows.map((row) => [row.id, row]));
    return userIds
      .filter((userId, index) => byId.has(userId) && userIds.indexOf(userId) === index)
      .map((userId) => ({ userId, online: online.has(userId), lastSeenAt: byId.get(userId)?.last_seen_at?.toISOString() ?? null }));
  }

  private async changed(userId: string, online: boolean): Promise<void> {
    const [[row]]: [Array<{ last_seen_at: Date }>, number] = await this.dataSource.query(
      `UPDATE chat_users SET last_seen_at = now() WHERE id = $1 RETURNING last_seen_at`,
      [userId],
    );
    const audience: Array<{ user_id: string }> = await this.dataSource.query(
      `SELECT DISTINCT theirs.user_id FROM chat_room_members mine
       JOIN chat_room_members theirs ON theirs.room_id = mine.room_id
       WHERE mine.user_id = $1`,
      [userId],
    );
    this.events.publish('presence', {
      userId,
      online,
      lastSeenAt: row?.last_seen_at.toISOString() ?? null,
      audience: audience.map((entry) => entry.user_id),
    });
  }
}
