import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientEvents, Message, ServerEvents } from './types';

export type ChatSocket = Socket<ServerEvents, ClientEvents>;

export interface RealtimeHandlers {
  /** Connected; `again` is true after a reconnection, when the client must catch up. */
  connected(again: boolean): void;
  disconnected(reason: string): void;
  /** The server refused the session (bad or expired token, a banned account), with the words to show. */
  refused(message: string): void;
}

/** The `/chat` socket of the session: websocket only, the token in the handshake, reconnecting on its own. */
export class Realtime {
  readonly socket: ChatSocket;
  private everConnected = false;
  private readonly delivered = new Map<string, number>();
  private readonly read = new Map<string, number>();
  private flushTimer: number | undefined;

  constructor(token: string, handlers: RealtimeHandlers) {
    this.socket = io(`${location.origin}/chat`, { auth: { token }, transports: ['websocket'], reconnectionDelayMax: 3000 });
    this.socket.on('connect', () => {
      handlers.connected(this.everConnected);
      this.everConnected = true;
    });
    this.socket.on('disconnect', (reason) => {
      handlers.disconnected(reason);
    });
    this.socket.on('connect_error', (error) => {
      // Refused handshakes carry the HTTP status in `data`; anything else is the network, and socket.io retries.
      const data = (error as Error & { data?: { statusCode?: number; code?: string } }).data;
      if (data?.code === 'USER_BANNED') handlers.refused('Your account is banned from this server.');
      else if (data?.statusCode === 403) handlers.refused(error.message);
      else if (data?.statusCode === 401) handlers.refused(`${error.message}. Please log in again.`);
    });
    this.socket.on('session.closing', ({ reason }) => {
      if (reason === 'token_expired') handlers.refused('Your session has expired. Please log in again.');
      else if (reason === 'user_banned') handlers.refused('Your account is banned from this server.');
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Sends a message through the socket; resolves with the server's message or rejects with its error. */
  send(payload: { roomId: string; body?: string; parentId?: string; imageIds?: string[]; mentions?: string[]; clientId: string }): Promise<Message> {
    return new Promise((resolve, reject) => {
      this.socket.timeout(10_000).emit('message.send', payload, (error: Error | null, ack: Ack<Message>) => {
        if (error) reject(new Error('The server did not answer'));
        else if (ack.ok) resolve(ack.data);
        else reject(Object.assign(new Error(ack.error.message), { status: ack.error.statusCode, code: ack.error.code, retryAfterSeconds: ack.error.retryAfterSeconds }));
      });
    });
  }

  typing(roomId: string, isTyping: boolean): void {
    if (this.socket.connected) this.socket.emit('typing', { roomId, isTyping }, () => undefined);
  }

  /** Read and delivered pointers are coalesced per room and sent a moment later, to stay under the rate limit. */
  markRead(roomId: string, seq: number): void {
    if (seq > (this.read.get(roomId) ?? -1)) this.read.set(roomId, seq);
    this.schedule();
  }

  markDelivered(roomId: string, seq: number): void {
    if (seq > (this.delivered.get(roomId) ?? -1)) this.delivered.set(roomId, seq);
    this.schedule();
  }

  private schedule(): void {
    this.flushTimer ??= window.setTimeout(() => this.flush(), 250);
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (!this.socket.connected) return this.schedule();
    for (const [roomId, seq] of this.read) this.socket.emit('room.read', { roomId, seq }, () => undefined);
    for (const [roomId, seq] of this.delivered) if ((this.read.get(roomId) ?? -1) < seq) this.socket.emit('room.delivered', { roomId, seq }, () => undefined);
    this.read.clear();
    this.delivered.clear();
  }

  close(): void {
    window.clearTimeout(this.flushTimer);
    this.socket.disconnect();
  }
}
