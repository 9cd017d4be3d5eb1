import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { UserPresenceEntity } from './entities/user-presence.entity';
import type { ChatPrincipal } from '../auth/chat-principal';
import { AccessService } from '../access/access.service';
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
    @InjectRepository(UserPresenceEntity) private readonly lastSeen: Repository<UserPresenceEntity>,
    private readonly events: ChatEventBus,
    private readonly access: AccessService,
  ) {}

  onApplicationBootstrap(): void {
    const report = (online: boolean) => (userIds: string[]) => {
      for (const userId of userIds) {
        this.changed(userId, online).catch((error: unknown) => this.logger.warn(`Presence of a user could not be announced (${online ? 'online' : 'offline'}): ${describe(error)}`));
      }
    };
    this.store.start?.(report(false), report(true));
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
    const visible = await this.access.users(principal.userId, [...new Set(userIds)]);
    const seen = await this.lastSeen.findBy({ userId: In([...visible]) });
    const online = await this.onlineUsers([...visible]);
    const lastSeenAt = new Map(seen.map((row) => [row.userId, row.lastSeenAt.toISOString()]));
    return userIds
      .filter((userId, index) => visible.has(userId) && userIds.indexOf(userId) === index)
      .map((userId) => ({ userId, online: online.has(userId), lastSeenAt: lastSeenAt.get(userId) ?? null }));
  }

  private async changed(userId: string, online: boolean): Promise<void> {
    const [row]: Array<{ last_seen_at: Date }> = await this.lastSeen.query(
      `INSERT INTO chat_user_presence (user_id, last_seen_at) VALUES ($1, now())
       ON CONFLICT (user_id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at RETURNING last_seen_at`,
      [userId],
    );
    this.events.publish('presence', {
      userId,
      online,
      lastSeenAt: row.last_seen_at.toISOString(),
      audience: await this.access.presenceAudience(userId),
    });
  }
}

/** An error's class, with a failed statement's SQLSTATE instead of its message (which can quote values). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.constructor.name} (SQLSTATE ${code})` : `${error.constructor.name}: ${error.message}`;
}
