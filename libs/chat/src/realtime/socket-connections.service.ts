import { Injectable, Logger } from '@nestjs/common';
import { AccessService } from '../access/access.service';
import { PresenceService } from '../presence/presence.service';
import type { ChatSocket } from './chat-socket';
import { roomChannel, userChannel } from './chat-socket-events';
import { TypingService } from './typing.service';

/** setTimeout's largest delay; a later expiry is re-checked when it fires. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The life of an authenticated socket on this node: its subscriptions (its user's channel and one channel per
 * room of the user), its presence, and its disconnection when the token expires.
 */
@Injectable()
export class SocketConnectionsService {
  private readonly logger = new Logger('SocketConnections');
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
  private readonly open = new Set<string>();

  constructor(
    private readonly access: AccessService,
    private readonly presence: PresenceService,
    private readonly typing: TypingService,
  ) {}

  /**
   * Subscribes a socket during its handshake, before the client hears `connect`, so its first event already
   * finds every room. The user channel comes first: a member added from then on is subscribed through it, one
   * added before is in the query.
   */
  async subscribe(socket: ChatSocket): Promise<void> {
    const { userId } = socket.data.principal;
    await socket.join(userChannel(userId));
    await socket.join((await this.access.subscribedRoomIds(userId)).map(roomChannel));
  }

  /** The socket is connected: it counts for presence and is closed when its token expires. */
  async opened(socket: ChatSocket): Promise<void> {
    const { userId, expiresAt } = socket.data.principal;
    this.open.add(socket.id);
    this.scheduleExpiry(socket, expiresAt);
    await this.presence.connected(userId, socket.id);
  }

  /** Idempotent: runs once per socket, whether from a disconnect or a shutdown. */
  async closed(socket: ChatSocket): Promise<void> {
    if (!this.open.delete(socket.id)) return;
    clearTimeout(this.expiryTimers.get(socket.id));
    this.expiryTimers.delete(socket.id);
    this.typing.socketGone(socket.id);
    await this.presence.disconnected(socket.data.principal.userId, socket.id).catch((error: unknown) => this.logger.warn(`Presence update failed: ${String(error)}`));
  }

  private scheduleExpiry(socket: ChatSocket, expiresAt: Date | undefined): void {
    if (!expiresAt) return;
    const delay = expiresAt.getTime() - Date.now();
    const timer = setTimeout(() => {
      if (Date.now() < expiresAt.getTime()) return this.scheduleExpiry(socket, expiresAt);
      socket.emit('session.closing', { reason: 'token_expired' });
      socket.disconnect(true);
    }, Math.max(0, Math.min(delay, MAX_TIMER_MS)));
    timer.unref();
    this.expiryTimers.set(socket.id, timer);
  }
}
