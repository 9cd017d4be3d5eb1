import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { ChatConfig } from '../common/chat-config';
import { AccessService } from '../access/access.service';
import type { ChatSocket } from './chat-socket';
import { roomChannel, userChannel } from './chat-socket-events';
import { SocketServerRef } from './socket-server.ref';

const DEFAULT_TYPING_TIMEOUT_MS = 6000;

interface TypingState {
  userId: string;
  timer: NodeJS.Timeout;
}

/**
 * Typing indicators. A state reaches the other members of the room (never the typer's own sockets) and lasts
 * `typingTimeoutMs` without a repeat: receivers expire it themselves, and the server also sends the stop when it
 * lapses, when the typer's message arrives, and when the socket goes. States live on the node of the socket
 * that set them.
 */
@Injectable()
export class TypingService implements OnModuleDestroy {
  /** socket id → room id → the typer and the timer that ends the state. */
  private readonly active = new Map<string, Map<string, TypingState>>();
  private readonly timeoutMs: number;

  constructor(
    private readonly server: SocketServerRef,
    private readonly access: AccessService,
    config: ChatConfig,
  ) {
    this.timeoutMs = config.options.realtime?.typingTimeoutMs ?? DEFAULT_TYPING_TIMEOUT_MS;
  }

  /** Members only, as the access layer says (a socket's subscriptions are no proof: they follow membership late). */
  async set(socket: ChatSocket, roomId: string, isTyping: boolean): Promise<void> {
    const { userId } = socket.data.principal;
    await this.access.memberRoom(socket.data.principal, roomId);
    this.end(socket.id, roomId);
    if (isTyping) {
      const timer = setTimeout(() => this.stop(socket.id, roomId), this.timeoutMs);
      timer.unref();
      const rooms = this.active.get(socket.id) ?? new Map<string, TypingState>();
      rooms.set(roomId, { userId, timer });
      this.active.set(socket.id, rooms);
    }
    // Every repeat is forwarded: receivers restart their own expiry on it.
    this.emit(roomId, userId, isTyping);
  }

  /** The user's message arrived: whatever they were typing in that room is done. */
  stopForSender(userId: string, roomId: string): void {
    for (const [socketId, rooms] of this.active) {
      if (rooms.get(roomId)?.userId === userId) this.stop(socketId, roomId);
    }
  }

  /** The socket went away: its typing states end. */
  socketGone(socketId: string): void {
    for (const roomId of [...(this.active.get(socketId)?.keys() ?? [])]) this.stop(socketId, roomId);
  }

  onModuleDestroy(): void {
    for (const rooms of this.active.values()) for (const { timer } of rooms.values()) clearTimeout(timer);
    this.active.clear();
  }

  /** Ends a state that is still on, telling the room. */
  private stop(socketId: string, roomId: string): void {
    const userId = this.end(socketId, roomId);
    if (userId) this.emit(roomId, userId, false);
  }

  /** Forgets a state; returns its user when there was one. */
  private end(socketId: string, roomId: string): string | undefined {
    const rooms = this.active.get(socketId);
    const state = rooms?.get(roomId);
    if (!rooms || !state) return undefined;
    clearTimeout(state.timer);
    rooms.delete(roomId);
    if (rooms.size === 0) this.active.delete(socketId);
    return state.userId;
  }

  private emit(roomId: string, userId: string, isTyping: boolean): void {
    this.server.namespace?.to(roomChannel(roomId)).except(userChannel(userId)).emit('typing', { roomId, userId, isTyping });
  }
}
