import { Logger, type BeforeApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import {
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import { HttpException } from '@nestjs/common';
import { DEFAULT_CHAT_SHUTDOWN_TIMEOUT_MS } from '../chat.options';
import { ChatConfig } from '../common/chat-config';
import { validatePayload } from '../common/validate-payload';
import { MessageWriter, shuttingDown } from '../messages/message-writer.service';
import { MessagesService } from '../messages/messages.service';
import type { MessageResponse } from '../messages/dto/message.response';
import type { ReadStateResponse } from '../messages/dto/read-state.dto';
import { ReadStateService } from '../messages/read-state.service';
import type { ChatNamespace, ChatSocket } from './chat-socket';
import type { ChatAck } from './chat-socket-events';
import { RoomSeqEventDto, SendMessageEventDto, TypingEventDto } from './dto/socket-events.dto';
import { InFlightCounter } from './in-flight-counter';
import { INTERNAL_ERROR_ACK, acknowledge, errorAck } from './socket-ack';
import { SocketAuthenticator } from './socket-authenticator';
import { SocketConnectionsService } from './socket-connections.service';
import { SocketRateLimiter } from './socket-rate-limiter';
import { SocketServerRef } from './socket-server.ref';
import { TypingService } from './typing.service';
import { ChatMetrics } from '../metrics/chat-metrics';

/**
 * The Socket.IO transport of the chat, on namespace `/chat`: it authenticates handshakes, validates client events
 * and hands them to the same services as HTTP, answering through acknowledgements. Everything it emits comes
 * from RealtimeFanout.
 *
 * Shutdown, in this order: new handshakes and client events are refused (503 `SHUTTING_DOWN`) as soon as the
 * application starts closing (`onModuleDestroy`); the events already being handled run to their end, so their
 * messages are written, their domain events published (RealtimeFanout stays subscribed until the very end) and their
 * acknowledgements queued (`beforeApplicationShutdown`, bounded by `shutdownTimeoutMs`); only then are the sockets
 * told why (`session.closing`), their presence released and the sockets closed, after Socket.IO has written what
 * they were sent.
 */
@WebSocketGateway({ namespace: '/chat' })
export class ChatGateway implements OnGatewayInit<ChatNamespace>, OnGatewayConnection<ChatSocket>, OnGatewayDisconnect<ChatSocket>, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('ChatGateway');
  private readonly shutdownTimeoutMs: number;
  /** When the shutdown began (ms since the epoch); 0 while serving. */
  private closingSince = 0;
  /** Client events being handled, and who waits for there to be none. */
  private readonly inFlight = new InFlightCounter();

  constructor(
    private readonly server: SocketServerRef,
    private readonly authenticator: SocketAuthenticator,
    private readonly connections: SocketConnectionsService,
    private readonly limiter: SocketRateLimiter,
    private readonly typing: TypingService,
    private readonly messages: MessagesService,
    private readonly readState: ReadStateService,
    private readonly metrics: ChatMetrics,
    private readonly writer: MessageWriter,
    config: ChatConfig,
  ) {
    this.shutdownTimeoutMs = config.options.shutdownTimeoutMs ?? DEFAULT_CHAT_SHUTDOWN_TIMEOUT_MS;
  }

  afterInit(namespace: ChatNamespace): void {
    this.server.set(namespace);
    this.metrics.trackSockets(() => namespace.sockets.size);
    namespace.use((socket, next) => {
      if (this.closingSince) return next(connectError(shuttingDown()));
      // In turn with the other handshakes (realtime.handshakeConcurrency), or 503 SERVER_BUSY beyond the queue.
      this.connections
        .handshake(socket, () =>
          this.authenticator.authenticate(socket).then(async (principal) => {
            socket.data.principal = principal;
            await this.limiter.admit(socket);
            await this.connections.subscribe(socket);
          }),
        )
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
      if (this.closingSince) {
        ack?.(errorAck(shuttingDown()));
        return;
      }
      void this.inFlight.track(
        this.handle(socket, event, () => handler(socket, args[0]))
          .catch((error: unknown): ChatAck<never> => {
            this.logger.error(`Socket event ${event} failed: ${String(error)}`);
            return INTERNAL_ERROR_ACK;
          })
          .then((result) => {
            if (event === 'message.send') this.metrics.socketSendAnswered(result);
            ack?.(result);
          }),
      );
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

  /** Shutdown, first step: no new handshakes nor client events from now on (503 `SHUTTING_DOWN`). */
  onModuleDestroy(): void {
    if (this.closingSince) return;
    this.closingSince = Date.now();
    const sockets = this.server.namespace?.sockets.size ?? 0;
    this.logger.log(`Shutdown: socket events and handshakes refused from now on (503 SHUTTING_DOWN); ${this.inFlight.count} event(s) in flight on ${sockets} socket(s)`);
  }

  /**
   * Shutdown, second step: the events in flight finish (their writes, domain events and acks), then the message writer
   * refuses new sends and writes those queued (HTTP ones), all within `shutdownTimeoutMs` of the first step; then this
   * node's sockets are told why, their presence is released and they are closed (Socket.IO writes what it has queued
   * for a socket, its last acks included, before closing it).
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.onModuleDestroy();
    const deadline = this.closingSince + this.shutdownTimeoutMs;
    const waiting = this.inFlight.count;
    if (await before(this.inFlight.idle(), deadline)) this.logger.log(`Shutdown: in-flight socket events finished (${waiting} waited for, ${Date.now() - this.closingSince} ms)`);
    else this.logger.warn(`Shutdown: ${this.inFlight.count} socket event(s) still in flight after ${Date.now() - this.closingSince} ms (shutdownTimeoutMs ${this.shutdownTimeoutMs}); closing their sockets anyway`);
    await this.writer.beforeApplicationShutdown();
    const namespace = this.server.namespace;
    if (!namespace) return;
    const sockets = [...namespace.sockets.values()];
    for (const socket of sockets) socket.emit('session.closing', { reason: 'server_shutdown' });
    const released = await before(Promise.all(sockets.map((socket) => this.connections.closed(socket))), deadline);
    if (!released) this.logger.warn(`Shutdown: the presence of ${sockets.length} socket(s) is not all released by the deadline; the others' expiry takes them offline`);
    for (const socket of sockets) socket.disconnect(true);
    this.logger.log(`Shutdown: ${sockets.length} socket(s) told (session.closing) and closed`);
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

/** Resolves true once `work` has settled, or false at `deadline` (ms since the epoch), whichever comes first. */
async function before(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([work.then(() => true as const, () => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The handshake error a client sees in `connect_error`: its message says why; `data.statusCode` says what. */
function connectError(error: unknown): Error {
  const statusCode = error instanceof HttpException ? error.getStatus() : 500;
  const message = error instanceof HttpException ? error.message : 'Could not authenticate the connection';
  // 503s (SERVER_BUSY, DATABASE_UNAVAILABLE) say what and when to connect again.
  const retry = error instanceof HttpException && statusCode === 503 ? errorAck(error) : null;
  const data = retry && !retry.ok ? { statusCode, code: retry.error.code, retryAfterSeconds: retry.error.retryAfterSeconds } : { statusCode };
  return Object.assign(new Error(message), { data });
}
