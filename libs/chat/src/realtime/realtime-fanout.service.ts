import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ChatEventBus } from '../events/chat-event-bus';
import type { ChatEvent } from '../events/chat-events';
import { roomChannel, userChannel } from './chat-socket-events';
import { SocketServerRef } from './socket-server.ref';
import { TypingService } from './typing.service';

/**
 * Turns committed domain events into socket events. Subscriptions follow membership: an added member's sockets
 * (on every node, through the adapter) join the room before `member.added` is emitted, and a removed member's
 * sockets receive `member.removed` before they leave.
 */
@Injectable()
export class RealtimeFanout implements OnModuleInit, OnModuleDestroy {
  private unsubscribe?: () => void;

  constructor(
    private readonly events: ChatEventBus,
    private readonly server: SocketServerRef,
    private readonly typing: TypingService,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.onAny((event) => this.deliver(event));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  private deliver(event: ChatEvent): void {
    const namespace = this.server.namespace;
    if (!namespace) return;
    switch (event.name) {
      case 'message.created':
        this.typing.stopForSender(event.payload.message.senderId, event.payload.roomId);
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
        namespace.in(userChannel(member.userId)).socketsJoin(roomChannel(roomId));
        namespace.to(roomChannel(roomId)).emit('member.added', event.payload);
        return;
      }
      case 'member.removed': {
        const { roomId, member } = event.payload;
        namespace.to(roomChannel(roomId)).emit('member.removed', event.payload);
        namespace.in(userChannel(member.userId)).socketsLeave(roomChannel(roomId));
        return;
      }
      case 'room.deleted': {
        const { roomId } = event.payload;
        namespace.to(roomChannel(roomId)).emit('room.deleted', { roomId });
        namespace.in(roomChannel(roomId)).socketsLeave(roomChannel(roomId));
        return;
      }
      case 'presence': {
        const { userId, online, lastSeenAt, audience } = event.payload;
        if (audience.length > 0) namespace.to(audience.map(userChannel)).emit('presence', { userId, online, lastSeenAt });
        return;
      }
    }
  }
}
