import type { ChatAck, ChatClientToServerEvents, ChatServerToClientEvents, MessageResponse } from '@parley/chat';
import { io, type Socket } from 'socket.io-client';

/**
 * The library's event maps give a socket.io-client in TypeScript typed events: listeners get typed payloads,
 * emits are checked, acknowledgements are typed. This file is mostly checked by `npm run typecheck` (each
 * `@ts-expect-error` must stay an error); the socket below is never connected.
 */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(value: T): T => value;

type ChatSocket = Socket<ChatServerToClientEvents, ChatClientToServerEvents>;

function typedUsage(socket: ChatSocket): void {
  socket.on('message.created', ({ roomId, version, message }) => {
    expectType<Equal<typeof roomId, string>>(true);
    expectType<Equal<typeof version, number>>(true);
    expectType<Equal<typeof message, MessageResponse>>(true);
    expectType<Equal<typeof message.editedAt, string | null>>(true);
  });
  socket.on('typing', (payload) => expectType<Equal<typeof payload, { roomId: string; userId: string; isTyping: boolean }>>(true));
  socket.on('presence', ({ lastSeenAt }) => expectType<Equal<typeof lastSeenAt, string | null>>(true));
  socket.on('session.closing', ({ reason }) => expectType<Equal<typeof reason, 'token_expired' | 'server_shutdown' | 'slow_consumer' | 'user_banned'>>(true));
  socket.on('member.removed', ({ member }) => expectType<Equal<typeof member.role, 'owner' | 'admin' | 'member'>>(true));

  socket.emit('message.send', { roomId: 'r', body: 'hi', clientId: 'c-1' }, (ack) => {
    expectType<Equal<typeof ack, ChatAck<MessageResponse>>>(true);
    if (ack.ok) expectType<Equal<typeof ack.data.seq, number>>(true);
    else expectType<Equal<typeof ack.error, { statusCode: number; message: string; code: string; retryAfterSeconds?: number }>>(true);
  });
  socket.emit('typing', { roomId: 'r', isTyping: true }, (ack) => expectType<Equal<typeof ack, ChatAck<null>>>(true));
  void socket.emitWithAck('room.read', { roomId: 'r', seq: 3 }).then((ack) => {
    if (ack.ok) expectType<Equal<typeof ack.data.unreadCount, number>>(true);
  });
  // socket.io-client 4.8 types `timeout(ms).emitWithAck(...)` as Promise<any>: name the ack type there.
  void socket
    .timeout(1000)
    .emitWithAck('room.delivered', { roomId: 'r', seq: 3 })
    .then((ack: ChatAck<{ lastDeliveredSeq: number }>) => ack.ok && ack.data.lastDeliveredSeq);

  // @ts-expect-error an event the server never sends
  socket.on('message.sent', () => undefined);
  // @ts-expect-error the payload is an object with the room, not a string
  socket.on('room.deleted', (roomId: number) => roomId);
  // @ts-expect-error `seq` is required
  socket.emit('room.read', { roomId: 'r' }, () => undefined);
  // @ts-expect-error an event the server does not handle
  socket.emit('message.delete', { id: 'm' });
  // @ts-expect-error `isTyping` is a boolean
  socket.emit('typing', { roomId: 'r', isTyping: 'yes' }, () => undefined);
}

describe('the socket event types', () => {
  it('type a socket.io-client socket (checked by tsc)', () => {
    const socket: ChatSocket = io('http://127.0.0.1:1/chat', { autoConnect: false });
    // Never called: the emits would wait for a connection. Compiling `typedUsage` is the test.
    expect(typeof typedUsage).toBe('function');
    socket.close();
    expect(socket.connected).toBe(false);
  });
});
