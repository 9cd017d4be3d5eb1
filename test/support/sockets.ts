import type { ChatClientToServerEvents, ChatServerToClientEvents } from '@parley/chat';
import { io, type Socket } from 'socket.io-client';

export type ChatClient = Socket<ChatServerToClientEvents, ChatClientToServerEvents>;

const open: ChatClient[] = [];

/** A connected `/chat` socket (websocket transport), or the connect_error's message. */
export function connectSocket(url: string, token: string | undefined, options: { headers?: Record<string, string> } = {}): Promise<ChatClient> {
  const socket: ChatClient = io(`${url}/chat`, {
    transports: ['websocket'],
    auth: token === undefined ? {} : { token },
    extraHeaders: options.headers,
    reconnection: false,
    forceNew: true,
  });
  open.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => reject(error));
  });
}

/** Closes every socket the spec opened (call in afterEach/afterAll). */
export function closeSockets(): void {
  for (const socket of open.splice(0)) socket.disconnect();
}

type EventName = keyof ChatServerToClientEvents;
type Payload<E extends EventName> = Parameters<ChatServerToClientEvents[E]>[0];

/** Collects every event of one kind a socket receives, to assert on later. */
export function record<E extends EventName>(socket: ChatClient, event: E): Array<Payload<E>> {
  const seen: Array<Payload<E>> = [];
  (socket as unknown as { on: (event: string, listener: (payload: Payload<E>) => void) => void }).on(event, (payload) => seen.push(payload));
  return seen;
}

/** The next event of that kind matching `where`, or a rejection after `timeoutMs`. */
export function nextEvent<E extends EventName>(socket: ChatClient, event: E, where: (payload: Payload<E>) => boolean = () => true, timeoutMs = 5000): Promise<Payload<E>> {
  const target = socket as unknown as { on: (e: string, l: (p: Payload<E>) => void) => void; off: (e: string, l: (p: Payload<E>) => void) => void };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.off(event, listener);
      reject(new Error(`No ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: Payload<E>) => {
      if (!where(payload)) return;
      clearTimeout(timer);
      target.off(event, listener);
      resolve(payload);
    };
    target.on(event, listener);
  });
}

/** Emits a client event and resolves with its acknowledgement. */
export function ask(socket: ChatClient, event: string, payload: unknown, timeoutMs = 5000): Promise<{ ok: boolean; data?: any; error?: { statusCode: number; message: string } }> {
  return (socket as unknown as { timeout: (ms: number) => { emitWithAck: (event: string, payload: unknown) => Promise<any> } }).timeout(timeoutMs).emitWithAck(event, payload);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `check` passes, retrying until `timeoutMs`. */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 5000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(intervalMs);
    }
  }
}
