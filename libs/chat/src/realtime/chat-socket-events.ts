import type { ChatEventMap } from '../events/chat-events';
import type { MessageResponse } from '../messages/dto/message.response';
import type { ReadStateResponse } from '../messages/dto/read-state.dto';

/** What every client event's acknowledgement carries. */
/** `code` is the same as in HTTP error bodies (a ChatErrorCode, or `INTERNAL` for an unexpected failure). */
/** `retryAfterSeconds` comes with 429 `RATE_LIMITED`: when the event may be sent again. */
export type ChatAck<T> = { ok: true; data: T } | { ok: false; error: { statusCode: number; message: string; code: string; retryAfterSeconds?: number } };

/**
 * Events the server emits on the `/chat` namespace. Use with socket.io-client:
 * `io(url + '/chat', { auth: { token } }) as Socket<ChatServerToClientEvents, ChatClientToServerEvents>`.
 */
export interface ChatServerToClientEvents {
  'message.created': (payload: ChatEventMap['message.created']) => void;
  'message.updated': (payload: ChatEventMap['message.updated']) => void;
  'message.deleted': (payload: ChatEventMap['message.deleted']) => void;
  'member.added': (payload: ChatEventMap['member.added']) => void;
  'member.updated': (payload: ChatEventMap['member.updated']) => void;
  'member.removed': (payload: ChatEventMap['member.removed']) => void;
  'room.updated': (payload: ChatEventMap['room.updated']) => void;
  'room.deleted': (payload: { roomId: string }) => void;
  receipt: (payload: ChatEventMap['receipt']) => void;
  typing: (payload: { roomId: string; userId: string; isTyping: boolean }) => void;
  presence: (payload: { userId: string; online: boolean; lastSeenAt: string | null }) => void;
  /**
   * Sent before the server disconnects the socket on purpose: its token expired, the server is shutting down, or the
   * client read too slowly (`slow_consumer`: more than `realtime.maxBufferedBytes` waited to be written to it; the
   * client rarely sees this one, queued behind what it did not read). Whatever the reason, a client reconnects and
   * catches up with `changes?since=`; after `user_banned` (an administrator banned the user from the server) the
   * reconnection is refused with a `connect_error` saying so.
   */
  'session.closing': (payload: { reason: 'token_expired' | 'server_shutdown' | 'slow_consumer' | 'user_banned' }) => void;
}

/** Events a client may send on `/chat`, each answered through its acknowledgement. */
export interface ChatClientToServerEvents {
  'message.send': (
    payload: { roomId: string; body?: string; parentId?: string; imageIds?: string[]; mentions?: string[]; clientId?: string },
    ack: (result: ChatAck<MessageResponse>) => void,
  ) => void;
  'room.read': (payload: { roomId: string; seq: number }, ack: (result: ChatAck<ReadStateResponse>) => void) => void;
  'room.delivered': (payload: { roomId: string; seq: number }, ack: (result: ChatAck<ReadStateResponse>) => void) => void;
  typing: (payload: { roomId: string; isTyping: boolean }, ack: (result: ChatAck<null>) => void) => void;
}

/** Socket.IO rooms: every socket of a user is in `user:<id>`, and in `room:<id>` for each room it belongs to. */
export const userChannel = (userId: string): string => `user:${userId}`;
export const roomChannel = (roomId: string): string => `room:${roomId}`;
