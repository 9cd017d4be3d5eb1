// Sending the person's messages: through the outbox, in order, again after the connection comes back.
import type { Api } from './api';
import { errorText, type CodedError } from './errors';
import type { Outbox, OutboxEntry } from './outbox';
import type { Realtime } from './realtime';
import type { LocalMessage, Message } from './types';

/** What became of an outbox entry; the open room view shows it. */
export type DeliveryUpdate = { entry: OutboxEntry } & (
  | { state: 'sending' | 'queued' }
  /** The server refused it (not a member any more, a frozen room…): it waits for Retry or Discard. */
  | { state: 'failed'; error: string }
  | { state: 'sent'; message: Message }
  | { state: 'discarded' }
);

/** While online, sends that could not get through are tried again this often. */
const RETRY_MS = 10_000;

type Pending = { entry: OutboxEntry; state: 'sending' | 'queued' | 'failed'; error?: string };

/**
 * Whether a failed send may succeed unchanged later, by itself: no connection (a TypeError from fetch, the
 * socket's timeout), the server busy or restarting (5xx), or a session being renewed (401). Anything else (400,
 * 403, 404, 409, and 429: slow mode and rate limits say when to try again, and the person decides) is the
 * server's answer to this message: it waits for Retry or Discard.
 */
function worthRetrying(error: unknown): boolean {
  if (error instanceof TypeError) return true;
  const status = (error as CodedError | undefined)?.status;
  return status === undefined || status === 401 || status >= 500;
}

/**
 * The person's sends. Each message goes into the outbox (IndexedDB) before it is sent and leaves it when the
 * server acknowledges it, so a send cut short by the network, a reload or a closed tab is not lost. Sends go one at
 * a time, in the order they were made; when one cannot get through, it and those after it wait (`queued`) until the
 * browser is online again, the socket reconnects, the page is opened again, or the person sends another message.
 * A repeat carries the same clientId, so the server stores each message once.
 */
export class MessageDelivery {
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(update: DeliveryUpdate) => void>();
  /** Entries handed to the send chain and not yet tried (a discarded one is skipped when its turn comes). */
  private readonly inChain = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  /** A send could not get through: the ones after it wait for the next flush instead of failing one by one. */
  private held = false;
  private retryTimer: number | undefined;
  private stopped = false;

  constructor(
    private readonly userId: string,
    private readonly api: Api,
    private readonly realtime: Realtime,
    private readonly outbox: Outbox | null,
  ) {
    window.addEventListener('online', this.flush);
  }

  /** The entries the outbox kept from earlier visits, as waiting; call before `flush`. */
  async load(): Promise<void> {
    const entries = await this.outbox?.list(this.userId).catch(() => []);
    for (const entry of entries ?? []) if (!this.pending.has(entry.clientId)) this.pending.set(entry.clientId, { entry, state: 'queued' });
  }

  /** Waiting and refused messages of a room, oldest first, for the room view to show. */
  messagesOf(roomId: string): LocalMessage[] {
    return [...this.pending.values()].filter(({ entry }) => entry.roomId === roomId).map(({ entry, state, error }) => localMessage(entry, state, [], error));
  }

  subscribe(listener: (update: DeliveryUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A new message: kept in the outbox, then sent after the ones waiting before it. */
  send(entry: OutboxEntry): void {
    this.pending.set(entry.clientId, { entry, state: 'sending' });
    void this.outbox?.put(entry).catch(() => undefined);
    this.flush();
  }

  /** Retry of a refused message (the person asked for it). */
  retry(clientId: string): void {
    const item = this.pending.get(clientId);
    if (!item || item.state !== 'failed') return;
    item.state = 'queued';
    this.flush();
  }

  /** The person gave a message up: it leaves the outbox and the room. */
  discard(clientId: string): void {
    const item = this.pending.get(clientId);
    // One on its way may reach the server whatever happens here: it is not given up.
    if (!item || item.state === 'sending') return;
    this.pending.delete(clientId);
    void this.outbox?.delete(clientId).catch(() => undefined);
    this.emit({ entry: item.entry, state: 'discarded' });
  }

  /** Sends everything waiting, in order (the browser is online, the socket connected, the page opened). */
  readonly flush = (): void => {
    if (this.stopped) return;
    window.clearTimeout(this.retryTimer);
    this.held = false;
    const waiting = [...this.pending.values()]
      .filter((item) => item.state !== 'failed' && !this.inChain.has(item.entry.clientId))
      .sort((a, b) => a.entry.createdAt.localeCompare(b.entry.createdAt));
    for (const item of waiting) {
      const { clientId } = item.entry;
      this.inChain.add(clientId);
      this.chain = this.chain.then(() => this.attempt(clientId));
    }
  };

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    window.removeEventListener('online', this.flush);
  }

  private async attempt(clientId: string): Promise<void> {
    this.inChain.delete(clientId);
    const item = this.pending.get(clientId);
    if (!item || item.state === 'failed' || this.stopped) return;
    if (this.held || !navigator.onLine) return this.wait(item);
    item.state = 'sending';
    this.emit({ entry: item.entry, state: 'sending' });
    try {
      const message = await this.transmit(item.entry);
      this.pending.delete(clientId);
      await this.outbox?.delete(clientId).catch(() => undefined);
      this.emit({ entry: item.entry, state: 'sent', message });
    } catch (error) {
      if (!worthRetrying(error)) {
        item.state = 'failed';
        item.error = errorText(error);
        this.emit({ entry: item.entry, state: 'failed', error: item.error });
        return;
      }
      this.held = true;
      this.wait(item);
      // Online but the server did not take it (restarting, busy): again in a while, if nothing else comes first.
      if (navigator.onLine) this.retryTimer = window.setTimeout(this.flush, RETRY_MS);
    }
  }

  private wait(item: Pending): void {
    item.state = 'queued';
    this.emit({ entry: item.entry, state: 'queued' });
  }

  /** The socket when it is connected (the quicker way), else HTTP (whose body has no roomId: it is in the path). */
  private transmit(entry: OutboxEntry): Promise<Message> {
    const body = {
      clientId: entry.clientId,
      ...(entry.body && { body: entry.body }),
      ...(entry.parentId && { parentId: entry.parentId }),
      ...(entry.imageIds && entry.imageIds.length > 0 && { imageIds: entry.imageIds }),
      ...(entry.mentions && entry.mentions.length > 0 && { mentions: entry.mentions }),
    };
    return this.realtime.connected ? this.realtime.send({ roomId: entry.roomId, ...body }) : this.api.send(entry.roomId, body);
  }

  private emit(update: DeliveryUpdate): void {
    for (const listener of this.listeners) listener(update);
  }
}

/** How an outbox entry shows in the room until the server's copy replaces it (the same clientId key). */
export function localMessage(entry: OutboxEntry, state: Pending['state'], previews: string[], error?: string): LocalMessage {
  return {
    id: `local-${entry.clientId}`,
    roomId: entry.roomId,
    seq: Number.MAX_SAFE_INTEGER,
    senderId: entry.userId,
    body: entry.body,
    parentId: entry.parentId ?? null,
    replyCount: 0,
    images: [],
    reactions: [],
    pinned: false,
    mentions: entry.mentions ?? [],
    clientId: entry.clientId,
    createdAt: entry.createdAt,
    editedAt: null,
    deletedAt: null,
    version: 0,
    local: { state, error, previews, imageIds: entry.imageIds ?? [] },
  };
}
