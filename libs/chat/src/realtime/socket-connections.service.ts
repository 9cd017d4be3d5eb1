import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AccessService } from '../access/access.service';
import { DEFAULT_HANDSHAKE_CONCURRENCY, DEFAULT_HANDSHAKE_QUEUE, DEFAULT_MAX_BUFFERED_BYTES } from '../chat.options';
import { ChatConfig } from '../common/chat-config';
import { serverBusy, serviceUnavailableOf } from '../common/database-outage';
import { PresenceService } from '../presence/presence.service';
import type { ChatSocket } from './chat-socket';
import { roomChannel, userChannel } from './chat-socket-events';
import { TypingService } from './typing.service';

/** setTimeout's largest delay; a later expiry is re-checked when it fires. */
const MAX_TIMER_MS = 2_147_483_647;
/** `retryAfterSeconds` of a handshake refused because too many wait (503 SERVER_BUSY). */
const HANDSHAKE_RETRY_AFTER_SECONDS = 2;
/**
 * Longest a handshake waits for its turn before it is refused (503 SERVER_BUSY): well within the 10 s after which
 * Socket.IO closes a connection that has joined no namespace, so that a client always hears why.
 */
const HANDSHAKE_MAX_WAIT_MS = 5000;
/** At most one "handshakes refused" line per this long. */
const REFUSED_LOG_INTERVAL_MS = 60_000;
/** How often the bytes waiting to be written to each socket are checked against `realtime.maxBufferedBytes`. */
const SLOW_CONSUMER_CHECK_MS = 1000;

/** The parts of engine.io's connection (and of its `ws` WebSocket) that tell what waits to be written. */
interface EngineConnection {
  /** Packets Socket.IO queued that the transport has not taken yet (it takes them once it has written the last lot). */
  writeBuffer?: Array<{ data?: unknown }>;
  /** The WebSocket transport's `ws` socket: `bufferedAmount` is what it holds beyond the kernel's own buffer. */
  transport?: { socket?: { bufferedAmount?: number; terminate?: () => void; _socket?: { resetAndDestroy?: () => void } } };
  close(discard?: boolean): void;
}

/**
 * The life of an authenticated socket on this node: its subscriptions (its user's channel and one channel per
 * room of the user), its presence, its disconnection when the token expires, and its dropping when it does not read
 * what it is sent (more than `realtime.maxBufferedBytes` waiting to be written to it).
 */
@Injectable()
export class SocketConnectionsService implements OnApplicationShutdown {
  private readonly logger = new Logger('SocketConnections');
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
  private readonly open = new Map<string, ChatSocket>();
  private readonly maxBufferedBytes: number;
  private slowConsumerTimer?: NodeJS.Timeout;
  private slowConsumersDropped = 0;
  /**
   * Turns of the handshakes, and of the presence updates (connect and disconnect write to the database too): two
   * lines, so a storm's thousand presence updates, each waiting for the pool, never hold the turns of handshakes.
   */
  private readonly handshakeTurns: Turns;
  private readonly presenceTurns: Turns;
  private refusedHandshakes = 0;
  private refusedLoggedAt = 0;
  private readonly handshakeConcurrency: number;
  private readonly handshakeQueue: number;

  constructor(
    private readonly access: AccessService,
    private readonly presence: PresenceService,
    private readonly typing: TypingService,
    config: ChatConfig,
  ) {
    this.maxBufferedBytes = config.options.realtime?.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    if (!Number.isSafeInteger(this.maxBufferedBytes) || this.maxBufferedBytes < 0) {
      throw new Error('ChatModule: realtime.maxBufferedBytes must be a whole number of bytes (0: no limit)');
    }
    this.handshakeConcurrency = config.options.realtime?.handshakeConcurrency ?? DEFAULT_HANDSHAKE_CONCURRENCY;
    this.handshakeQueue = config.options.realtime?.handshakeQueue ?? DEFAULT_HANDSHAKE_QUEUE;
    if (!Number.isSafeInteger(this.handshakeConcurrency) || this.handshakeConcurrency < 1 || !Number.isSafeInteger(this.handshakeQueue) || this.handshakeQueue < 0) {
      throw new Error('ChatModule: realtime.handshakeConcurrency must be at least 1 and realtime.handshakeQueue at least 0');
    }
    this.handshakeTurns = new Turns(this.handshakeConcurrency);
    this.presenceTurns = new Turns(Math.max(1, Math.floor(this.handshakeConcurrency / 2)));
  }

  /**
   * Runs a handshake's work (token, chat profile, room subscriptions) in turn: at most
   * `realtime.handshakeConcurrency` at once (and half as many presence updates), the others waiting in line, so
   * that a reconnect storm takes a few connections of the database pool instead of all of them (sends have the
   * writer's own, health checks the probe's). Beyond `realtime.handshakeQueue` waiting, the connection is refused at once with
   * 503 `SERVER_BUSY` and `retryAfterSeconds`; a database fault is answered as everywhere (503 `DATABASE_UNAVAILABLE`).
   */
  async handshake<T>(socket: ChatSocket, work: () => Promise<T>): Promise<T> {
    if (this.handshakeTurns.full && this.handshakeTurns.waiting >= this.handshakeQueue) throw this.refuseHandshake();
    // Waited too long: refused, so the client hears it and comes back later, instead of a late answer it no longer hears.
    if (!(await this.handshakeTurns.take(HANDSHAKE_MAX_WAIT_MS))) throw this.refuseHandshake();
    // The client left (or Socket.IO closed its connection) while it waited: nothing to do.
    if (socket.conn.readyState !== 'open') {
      this.handshakeTurns.release();
      throw serverBusy('The connection closed while it waited for its turn', HANDSHAKE_RETRY_AFTER_SECONDS);
    }
    try {
      return await work();
    } catch (error) {
      throw serviceUnavailableOf(error) ?? error;
    } finally {
      this.handshakeTurns.release();
    }
  }

  private refuseHandshake(): Error {
    this.refusedHandshakes += 1;
    const now = Date.now();
    if (now - this.refusedLoggedAt >= REFUSED_LOG_INTERVAL_MS) {
      this.refusedLoggedAt = now;
      this.logger.warn(
        `Handshakes refused (503 SERVER_BUSY): ${this.handshakeTurns.waiting} waiting, ${this.handshakeConcurrency} at a time; ${this.refusedHandshakes} refused since start`,
      );
    }
    return serverBusy(`The server is busy with ${this.handshakeTurns.waiting} other connections: connect again in ${HANDSHAKE_RETRY_AFTER_SECONDS} s`, HANDSHAKE_RETRY_AFTER_SECONDS);
  }

  /** Handshakes running and waiting, and presence updates waiting, for readiness and metrics. */
  get handshakes(): { running: number; waiting: number; presenceWaiting: number } {
    return { running: this.handshakeTurns.running, waiting: this.handshakeTurns.waiting, presenceWaiting: this.presenceTurns.waiting };
  }

  /** Presence updates take turns of their own (half as many as handshakes), and are never refused. */
  private async inTurn<T>(work: () => Promise<T>): Promise<T> {
    await this.presenceTurns.take();
    try {
      return await work();
    } finally {
      this.presenceTurns.release();
    }
  }

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
    this.open.set(socket.id, socket);
    this.scheduleExpiry(socket, expiresAt);
    this.watchSlowConsumers();
    // The database away: the outage is logged once (databaseOutage), not once per socket; presence converges later.
    await this.inTurn(() => this.presence.connected(userId, socket.id)).catch((error: unknown) => {
      if (!serviceUnavailableOf(error)) throw error;
    });
  }

  /** Idempotent: runs once per socket, whether from a disconnect or a shutdown. */
  async closed(socket: ChatSocket): Promise<void> {
    if (!this.open.delete(socket.id)) return;
    if (this.open.size === 0) this.stopWatchingSlowConsumers();
    clearTimeout(this.expiryTimers.get(socket.id));
    this.expiryTimers.delete(socket.id);
    this.typing.socketGone(socket.id);
    await this.inTurn(() => this.presence.disconnected(socket.data.principal.userId, socket.id)).catch((error: unknown) => {
      if (!serviceUnavailableOf(error)) this.logger.warn(`Presence update failed: ${String(error)}`);
    });
  }

  onApplicationShutdown(): void {
    this.stopWatchingSlowConsumers();
  }

  /** While sockets are open, checks every second what waits to be written to each. */
  private watchSlowConsumers(): void {
    if (this.maxBufferedBytes === 0 || this.slowConsumerTimer) return;
    this.slowConsumerTimer = setInterval(() => this.dropSlowConsumers(), SLOW_CONSUMER_CHECK_MS);
    this.slowConsumerTimer.unref();
  }

  private stopWatchingSlowConsumers(): void {
    clearInterval(this.slowConsumerTimer);
    this.slowConsumerTimer = undefined;
  }

  /**
   * A socket whose client does not read (a frozen tab, a dead network) makes everything sent to it pile up here:
   * past the kernel's send buffer, in the WebSocket's buffer and Socket.IO's queue. Past the limit it is told why and
   * dropped at once: its TCP connection is reset, so its kernel buffer goes too (a close handshake would wait behind
   * the unread data for 30 s). The client reconnects and syncs with `changes?since=`.
   */
  private dropSlowConsumers(): void {
    let dropped = 0;
    let largest = 0;
    for (const socket of this.open.values()) {
      const queued = queuedBytes(socket, this.maxBufferedBytes);
      if (queued <= this.maxBufferedBytes) continue;
      dropped += 1;
      largest = Math.max(largest, queuedBytes(socket, Infinity));
      const conn = socket.conn as unknown as EngineConnection;
      const ws = conn.transport?.socket;
      socket.emit('session.closing', { reason: 'slow_consumer' });
      socket.disconnect(true);
      if (ws?._socket?.resetAndDestroy) ws._socket.resetAndDestroy();
      else if (ws?.terminate) ws.terminate();
      else conn.close(true);
    }
    if (dropped === 0) return;
    this.slowConsumersDropped += dropped;
    this.logger.warn(
      `Dropped ${dropped} slow socket(s): more than ${this.maxBufferedBytes} bytes waited to be written to each (largest ${largest}); ` +
        `${this.slowConsumersDropped} dropped since start, ${this.open.size} socket(s) open`,
    );
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

/** The bytes waiting to be written to a socket (stops counting once past `enough`). */
function queuedBytes(socket: ChatSocket, enough: number): number {
  const conn = socket.conn as unknown as EngineConnection;
  let bytes = conn.transport?.socket?.bufferedAmount ?? 0;
  for (const packet of conn.writeBuffer ?? []) {
    if (bytes > enough) break;
    const data = packet.data;
    if (typeof data === 'string') bytes += Buffer.byteLength(data);
    else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) bytes += data.byteLength;
  }
  return bytes;
}

/** At most `limit` at once; the others wait in line, first come first served. */
class Turns {
  running = 0;
  private readonly line: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  get full(): boolean {
    return this.running >= this.limit;
  }

  get waiting(): number {
    return this.line.length;
  }

  /** Resolves true with a turn, or false after `maxWaitMs` in line (no turn taken). */
  take(maxWaitMs = 0): Promise<boolean> {
    if (this.running < this.limit) {
      this.running += 1;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = maxWaitMs > 0 ? setTimeout(() => {
        const index = this.line.indexOf(granted);
        if (index >= 0) this.line.splice(index, 1);
        resolve(false);
      }, maxWaitMs) : undefined;
      const granted = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.line.push(granted);
    });
  }

  /** Hands the turn to the next in line, or gives it back. */
  release(): void {
    const next = this.line.shift();
    if (next) next();
    else this.running -= 1;
  }
}
