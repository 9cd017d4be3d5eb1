import type { Namespace, Socket } from 'socket.io';
import type { ChatPrincipal } from '../auth/chat-principal';
import type { ChatClientToServerEvents, ChatServerToClientEvents } from './chat-socket-events';

/** What the server keeps on each authenticated socket. */
export interface ChatSocketData {
  principal: ChatPrincipal;
}

export type ChatSocket = Socket<ChatClientToServerEvents, ChatServerToClientEvents, Record<string, never>, ChatSocketData>;
export type ChatNamespace = Namespace<ChatClientToServerEvents, ChatServerToClientEvents, Record<string, never>, ChatSocketData>;
