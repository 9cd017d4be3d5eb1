import { io, type Socket } from 'socket.io-client';
import type { Credentials } from './session';
import type { Ack, ClientEvents, Message, ServerEvents } from './types';

export type ChatSocket = Socket<ServerEvents, ClientEvents>;

export interface RealtimeHandlers {
  /** Connected; `again` is true after a reconnection, when the client must catch up. */
  connected(again: boolean): void;
  disconnected(reason: string): void;
  /** The server refused the session (bad or expired token, a banned account), with the words to show. */
  refused(message: string): void;
}

/** While the session cannot be renewed because the server is unreachable, the socket tries again this often. */
const REAUTH_RETRY_MS = 3000;

/**
 * The `/chat` socket of the session: websocket only, the session's current token in each handshake, reconnecting on
 * its own. The server closes a socket when the token it connected with expires (`session.closing`, `token_expired`)
 * or refuses a handshake with an old token (401): the socket then connects again with the renewed token, and only
 * a session that cannot be renewed ends.
 */
export class Realtime {
  readonly socket: ChatSocket;
  private everConnected = false;
  private readonly delivered = new Map<string, number>();
  private readonly read = new Map<string, number>();
  private flushTimer: number | undefined;
  /** The token of the last handshake: a refusal of an older token than the session's needs no renewal. */
  private handshakeToken = '';
  private tokenExpired = false;
  private closed = false;
  private retryTimer: number | undefined;

  constructor(
    private readonly credentials: Credentials,
    private readonly handlers: RealtimeHandlers,
  ) {
    this.socket = io(`${location.origin}/chat`, {
      auth: (send) => {
        this.handshakeToken = credentials.token;
        send({ token: this.handshakeToken });
      },
      transports: ['websocket'],
      reconnectionDelayMax: 3000,
    });
    this.socket.on('connect', () => {
      handlers.connected(this.everConnected);
      this.everConnected = true;
    });
    this.socket.on('disconnect', (reason) => {
      handlers.disconnected(reason);
      // The server closes sockets on purpose (an expired token, a shutdown, a slow reader); socket.io does not
      // retry those by itself.
      if (reason !== 'io server disconnect' || this.closed) return;
      if (this.tokenExpired) void this.reauthenticate('Your session has expired. Please log in again.');
      else this.socket.connect();
    });
    this.socket.on('connect_error', (error) => {
      // Refused handshakes carry the HTTP status in `data`; anything else is the network, and socket.io retries.
      const data = (error as Error & { data?: { statusCode?: number; code?: string } }).data;
      if (data?.code === 'USER_BANNED') handlers.refused('Your account is banned from this server.');
      else if (data?.statusCode === 403) handlers.refused(error.message);
      else if (data?.statusCode === 401) void this.reauthenticate(`${error.message}. Please log in again.`);
    });
    this.socket.on('session.closing', ({ reason }) => {
      if (reason === 'token_expired') this.tokenExpired = true;
      else if (reason === 'user_banned') handlers.refused('Your account is banned from this server.');
    });
  }

  /**
   * Connects again with a token the server will take: the session's, if it was renewed since the handshake, else a
   * renewed one. Refused for good: the session is over (`refusal` says why).
   */
  private async reauthenticate(refusal: string): Promise<void> {
    this.tokenExpired = false;
    const renewal = this.credentials.token !== this.handshakeToken ? 'renewed' : await this.credentials.renew();
    if (this.closed) return;
    if (renewal === 'renewed') this.socket.connect();
    else if (renewal === 'refused') this.handlers.refused(refusal);
    else this.retryTimer = window.setTimeout(() => void this.reauthenticate(refusal), REAUTH_RETRY_MS);
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /**
   * Sends a message through the socket; resolves with the server's message or rejects with its error. A connection
   * lost before the answer rejects at once (not after the timeout): the caller sends again, with the same clientId.
   */
  send(payload: { roomId: string; body?: string; parentId?: string; imageIds?: string[]; mentions?: string[]; clientId: string }): Promise<Message> {
    return new Promise((resolve, reject) => {
      const lost = () => reject(new Error('The connection was lost before the server answered'));
      this.socket.once('disconnect', lost);
      this.socket.timeout(10_000).emit('message.send', payload, (error: Error | null, ack: Ack<Message>) => {
        this.socket.off('disconnect', lost);
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
    this.closed = true;
    window.clearTimeout(this.flushTimer);
    window.clearTimeout(this.retryTimer);
    this.socket.disconnect();
  }
}
