import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import { HttpException } from '@nestjs/common';
import { validatePayload } from '../common/validate-payload';
import { MessagesService } from '../messages/messages.service';
import type { MessageResponse } from '../messages/dto/message.response';
import type { ReadStateResponse } from '../messages/dto/read-state.dto';
import { ReadStateService } from '../messages/read-state.service';
import type { ChatNamespace, ChatSocket } from './chat-socket';
import type { ChatAck } from './chat-socket-events';
import { RoomSeqEventDto, SendMessageEventDto, TypingEventDto } from './dto/socket-events.dto';
import { acknowledge } from './socket-ack';
import { SocketAuthenticator } from './socket-authenticator';
import { SocketConnectionsService } from './socket-connections.service';
import { SocketRateLimiter } from './socket-rate-limiter';
import { SocketServerRef } from './socket-server.ref';
import { TypingService } from './typing.service';

/**
 * The Socket.IO transport of the chat, on namespace `/chat`: it authenticates handshakes, validates client events
 * and hands them to the same services as HTTP, answering through acknowledgements. Everything it emits comes
 * from RealtimeFanout.
 */
@WebSocketGateway({ namespace: '/chat' })
export class ChatGateway implements OnGatewayInit<ChatNamespace>, OnGatewayConnection<ChatSocket>, OnGatewayDisconnect<ChatSocket>, BeforeApplicationShutdown {
  private readonly logger = new Logger('ChatGateway');

  constructor(
    private readonly server: SocketServerRef,
    private readonly authenticator: SocketAuthenticator,
    private readonly connections: SocketConnectionsService,
    private readonly limiter: SocketRateLimiter,
    private readonly typing: TypingService,
    private readonly messages: MessagesService,
    private readonly readState: ReadStateService,
  ) {}

  afterInit(namespace: ChatNamespace): void {
    this.server.set(namespace);
    namespace.use((socket, next) => {
      this.authenticator
        .authenticate(socket)
        .then(async (principal) => {
          socket.data.principal = principal;
          await this.limiter.admit(socket);
          await this.connections.subscribe(socket);
        })
        .then(
          () => next(),
          (error: unknown) => {
            this.limiter.forget(socket);
            next(connectError(error));
          },
        );
    });
  }

  /**
   * Client events are dispatched by one listener per socket rather than with @SubscribeMessage: Nest builds an
   * RxJS pipeline per handler and socket (about 12 KB per idle socket for four events, measured with a heap
   * snapshot), which alone would break the memory budget of an idle connection.
   */
  async handleConnection(socket: ChatSocket): Promise<void> {
    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (result: ChatAck<unknown>) => void) : undefined;
      const handler = this.handlers.get(event);
      if (!handler) {
        ack?.({ ok: false, error: { statusCode: 404, message: `Unknown event ${event}`, code: 'UNKNOWN_EVENT' } });
        return;
      }
      void this.handle(socket, event, () => handler(socket, args[0])).then((result) => ack?.(result));
    });
    await this.connections.opened(socket).catch((error: unknown) => {
      this.logger.error(`Could not record the presence of socket ${socket.id}: ${String(error)}`);
    });
  }

  async handleDisconnect(socket: ChatSocket): Promise<void> {
    this.limiter.forget(socket);
    if (socket.data.principal) await this.connections.closed(socket);
  }

  /** `message.send`: the same validation, service and idempotency as `POST /rooms/{roomId}/messages`. */
  private async send(socket: ChatSocket, payload: unknown): Promise<MessageResponse> {
    const { roomId, ...message } = validatePayload(SendMessageEventDto, payload);
    return (await this.messages.send(socket.data.principal, roomId, message)).message;
  }

  private async read(socket: ChatSocket, payload: unknown): Promise<ReadStateResponse> {
    const { roomId, seq } = validatePayload(RoomSeqEventDto, payload);
    return this.readState.markRead(socket.data.principal, roomId, seq);
  }

  private async delivered(socket: ChatSocket, payload: unknown): Promise<ReadStateResponse> {
    const { roomId, seq } = validatePayload(RoomSeqEventDto, payload);
    return this.readState.markDelivered(socket.data.principal, roomId, seq);
  }

  private async setTyping(socket: ChatSocket, payload: unknown): Promise<null> {
    const { roomId, isTyping } = validatePayload(TypingEventDto, payload);
    await this.typing.set(socket, roomId, isTyping);
    return null;
  }

  /** On shutdown: tell this node's sockets why, release their presence, then close them. */
  async beforeApplicationShutdown(): Promise<void> {
    const namespace = this.server.namespace;
    if (!namespace) return;
    const sockets = [...namespace.sockets.values()];
    for (const socket of sockets) socket.emit('session.closing', { reason: 'server_shutdown' });
    await Promise.all(sockets.map((socket) => this.connections.closed(socket)));
    for (const socket of sockets) socket.disconnect(true);
  }

  /** Client events by name; each answers its acknowledgement (see ChatClientToServerEvents). */
  private readonly handlers = new Map<string, (socket: ChatSocket, payload: unknown) => Promise<unknown>>([
    ['message.send', (socket, payload) => this.send(socket, payload)],
    ['room.read', (socket, payload) => this.read(socket, payload)],
    ['room.delivered', (socket, payload) => this.delivered(socket, payload)],
    ['typing', (socket, payload) => this.setTyping(socket, payload)],
  ]);

  /** The socket's and the user's limits first (`message.send` shares the user's bucket with HTTP), then the work. */
  private async handle<T>(socket: ChatSocket, event: string, work: () => Promise<T>): Promise<ChatAck<T>> {
    return (await this.limiter.refuse(socket, event)) ?? acknowledge(work);
  }
}

/** The handshake error a client sees in `connect_error`: its message says why; `data.statusCode` says what. */
function connectError(error: unknown): Error {
  const statusCode = error instanceof HttpException ? error.getStatus() : 500;
  const message = error instanceof HttpException ? error.message : 'Could not authenticate the connection';
  return Object.assign(new Error(message), { data: { statusCode } });
}
