import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ChatEventBus } from '../events/chat-event-bus';
import type { ChatEvent } from '../events/chat-events';
import type { ChatNamespace } from './chat-socket';
import { roomChannel, userChannel } from './chat-socket-events';
import { SocketServerRef } from './socket-server.ref';
import { TypingService } from './typing.service';

/**
 * Turns committed domain events into socket events. Subscriptions follow membership: an added member's sockets
 * (on every node) join the room before `member.added` is emitted, and a removed member's sockets receive
 * `member.removed` before they leave.
 *
 * With the Redis adapter (@socket.io/redis-adapter 8), `socketsJoin`/`socketsLeave` only publish a request that
 * every node, this one included, applies when Redis delivers it back, whereas an emit reaches this node's own
 * sockets at once. So this node's sockets join and leave synchronously (`local`), and the other nodes' through
 * the request (this node applying its own request again changes nothing). The adapter publishes requests and
 * broadcasts on one publisher connection and receives them on one subscriber connection, and applies a join or
 * leave request synchronously on receipt, so every other node applies it in the order it was issued relative to
 * this node's events. Events published by another node are ordered only by when they reach Redis: the request
 * is queued for Redis before the HTTP response is sent, so a client's next request comes later in practice.
 * The classic adapter (`createAdapter`) is required: the sharded one publishes each room on a channel of its
 * own, unordered.
 *
 * On shutdown it stays subscribed until the last hook (`onApplicationShutdown`): the sends still in flight when a
 * node is asked to stop (their writes are drained by the gateway and the writer in `beforeApplicationShutdown`) must
 * have their events delivered, to the other nodes through the adapter, whose Redis clients are closed after that.
 */
@Injectable()
export class RealtimeFanout implements OnModuleInit, OnApplicationShutdown {
  private unsubscribe?: () => void;

  constructor(
    private readonly events: ChatEventBus,
    private readonly server: SocketServerRef,
    private readonly typing: TypingService,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.onAny((event) => this.deliver(event));
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
  }

  private deliver(event: ChatEvent): void {
    const namespace = this.server.namespace;
    if (!namespace) return;
    switch (event.name) {
      case 'message.created':
        // A system message has no sender, so it ends nobody's typing.
        if (event.payload.message.senderId) this.typing.stopForSender(event.payload.message.senderId, event.payload.roomId);
        namespace.to(roomChannel(event.payload.roomId)).emit('message.created', event.payload);
        return;
      case 'message.updated':
        namespace.to(roomChannel(event.payload.roomId)).emit('message.updated', event.payload);
        return;
      case 'message.deleted':
        namespace.to(roomChannel(event.payload.roomId)).emit('message.deleted', event.payload);
        return;
      case 'room.updated':
        namespace.to(roomChannel(event.payload.roomId)).emit('room.updated', event.payload);
        return;
      case 'member.updated':
        namespace.to(roomChannel(event.payload.roomId)).emit('member.updated', event.payload);
        return;
      case 'receipt':
        namespace.to(roomChannel(event.payload.roomId)).emit('receipt', event.payload);
        return;
      case 'member.added': {
        const { roomId, member } = event.payload;
        const room = roomChannel(roomId);
        const user = userChannel(member.userId);
        this.join(namespace, user, room);
        // The member's own channel too, in the same broadcast (a socket in both gets it once): their sockets hear
        // of the change even where the join has not been applied yet.
        namespace.to([room, user]).emit('member.added', event.payload);
        return;
      }
      case 'member.removed': {
        const { roomId, member } = event.payload;
        const room = roomChannel(roomId);
        const user = userChannel(member.userId);
        namespace.to([room, user]).emit('member.removed', event.payload);
        this.leave(namespace, user, room);
        return;
      }
      case 'room.deleted': {
        const { roomId } = event.payload;
        const room = roomChannel(roomId);
        namespace.to(room).emit('room.deleted', { roomId });
        this.leave(namespace, room, room);
        return;
      }
      case 'user.banned': {
        const user = userChannel(event.payload.userId);
        namespace.to(user).emit('session.closing', { reason: 'user_banned' });
        // On this node at once, on the others through the adapter (after the emit, in order).
        namespace.local.in(user).disconnectSockets(true);
        namespace.in(user).disconnectSockets(true);
        return;
      }
      case 'presence': {
        const { userId, online, lastSeenAt, audience } = event.payload;
        if (audience.length > 0) namespace.to(audience.map(userChannel)).emit('presence', { userId, online, lastSeenAt });
        return;
      }
    }
  }

  /** The sockets in channel `who` join `room`: on this node now, on the others through the adapter, in order. */
  private join(namespace: ChatNamespace, who: string, room: string): void {
    namespace.local.in(who).socketsJoin(room);
    namespace.in(who).socketsJoin(room);
  }

  /** The sockets in channel `who` leave `room`: on this node now, on the others through the adapter, in order. */
  private leave(namespace: ChatNamespace, who: string, room: string): void {
    namespace.local.in(who).socketsLeave(room);
    namespace.in(who).socketsLeave(room);
  }
}
