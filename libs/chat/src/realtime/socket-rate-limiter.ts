import { Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { ChatRateLimiter } from '../limits/chat-rate-limiter';
import { RateLimitedError } from '../limits/rate-limited.error';
import type { PresenceStore } from '../presence/presence-store';
import type { ChatSocket } from './chat-socket';
import type { ChatAck } from './chat-socket-events';
import { acknowledge } from './socket-ack';

const DEFAULT_EVENTS_PER_SECOND = 20;

/** Client events whose work counts against a per-user limit of ChatRateLimiter. */
const PER_USER_KIND = { 'message.send': 'messages' } as const;

/**
 * The socket side of the limits:
 * - per user (ChatRateLimiter): `message.send` counts against the same bucket as `POST .../messages`, whatever the
 *   socket or node; and a user may hold at most `socketsPerUser` sockets: a handshake beyond it is refused (429).
 *   Sockets are counted exactly on this node (reserved during the handshake, so a burst of handshakes cannot slip
 *   past the check) and, when the presence store can count connections (`RedisPresenceStore`), on every node too;
 *   handshakes racing on different nodes may each pass, at most one limit's worth per node.
 * - per socket (rate-limiter-flexible, in memory): every client event, a token bucket of `realtime.eventsPerSecond`
 *   with bursts of twice that. It guards the events no per-user limit covers (typing, read pointers) from a
 *   flooding socket, at no cost to a shared storage.
 * Beyond either, the event is acknowledged with 429 `RATE_LIMITED` and `retryAfterSeconds`.
 */
@Injectable()
export class SocketRateLimiter {
  private readonly perSocket: RateLimiterMemory;
  /** This node's admitted (or being admitted) sockets, per user. */
  private readonly sockets = new Map<string, Set<string>>();
  private readonly presence?: PresenceStore;

  constructor(
    config: ChatConfig,
    private readonly perUser: ChatRateLimiter,
  ) {
    const perSecond = config.options.realtime?.eventsPerSecond ?? DEFAULT_EVENTS_PER_SECOND;
    this.perSocket = new RateLimiterMemory({ points: perSecond * 2, duration: 2 });
    this.presence = config.options.presence?.store;
  }

  /**
   * During the handshake, once the principal is known: refuses (429) a user who already holds `socketsPerUser`
   * sockets. An admitted socket must be let go with `forget` when it disconnects (or its handshake fails).
   */
  async admit(socket: ChatSocket): Promise<void> {
    const { userId } = socket.data.principal;
    const max = await this.perUser.socketsPerUser(socket.data.principal);
    if (max === null) return;
    const mine = this.sockets.get(userId) ?? new Set<string>();
    // Checked and reserved with no await in between: concurrent handshakes of one user see each other.
    if (mine.size >= max) throw tooManySockets(max);
    mine.add(socket.id);
    this.sockets.set(userId, mine);
    // Let go when the connection closes, even if the client leaves before its handshake completes.
    socket.conn.once('close', () => this.release(userId, socket.id));
    let everywhere = 0;
    try {
      // Every node's sockets (this node's counted once they have connected; this one is not among them yet).
      everywhere = (await this.presence?.connectionCount?.(userId)) ?? 0;
    } catch {
      // A failing presence store (Redis down) refuses nobody: this node's count still holds.
    }
    if (everywhere >= max) {
      this.release(userId, socket.id);
      throw tooManySockets(max);
    }
  }

  /**
   * Counts a client event; resolves with the acknowledgement of a refused one (429 with `retryAfterSeconds`), or
   * null when the event may run.
   */
  async refuse(socket: ChatSocket, event: string): Promise<ChatAck<never> | null> {
    try {
      await this.perSocket.consume(socket.id).catch((refusal: unknown) => {
        if (refusal instanceof RateLimiterRes) throw new RateLimitedError('Too many events on this socket', Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)));
        throw refusal;
      });
      const kind = PER_USER_KIND[event as keyof typeof PER_USER_KIND];
      if (kind) await this.perUser.consume(socket.data.principal, kind);
      return null;
    } catch (error) {
      if (error instanceof RateLimitedError) return error.toAck();
      // Anything else answers like any failing event (500 INTERNAL, logged).
      return acknowledge<never>(() => Promise.reject(error));
    }
  }

  forget(socket: ChatSocket): void {
    void this.perSocket.delete(socket.id);
    const userId = socket.data.principal?.userId;
    if (userId !== undefined) this.release(userId, socket.id);
  }

  private release(userId: string, socketId: string): void {
    const mine = this.sockets.get(userId);
    if (!mine?.delete(socketId)) return;
    if (mine.size === 0) this.sockets.delete(userId);
  }
}

function tooManySockets(max: number): ChatError {
  return new ChatError('RATE_LIMITED', `Too many connections: a user may have at most ${max} sockets open`);
}
