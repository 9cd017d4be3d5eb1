// The outbox of the demo: messages the person sent that the server has not acknowledged yet, kept in IndexedDB so
// that they survive going offline, a reload and a closed tab, and are sent again (same clientId) later.

/** One message waiting for the server's acknowledgement. */
export interface OutboxEntry {
  /** The idempotency key of the send: the server answers a repeat with the first message, never a second one. */
  clientId: string;
  /** The sender: a browser may hold the outboxes of several users (one per tab). */
  userId: string;
  roomId: string;
  body: string;
  parentId?: string;
  mentions?: string[];
  /** Images uploaded before the send (their ids on the server). */
  imageIds?: string[];
  /** ISO-8601; entries are sent again in this order. */
  createdAt: string;
}

const DATABASE = 'parley-outbox';
const STORE = 'messages';
const BY_USER = 'userId';

const done = <T>(request: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });

/** The IndexedDB store of the outbox (`parley-outbox`, store `messages`, keyed by clientId). */
export class Outbox {
  private constructor(private readonly db: IDBDatabase) {}

  /** Opens (creating on first use) the database; null when the browser offers no IndexedDB (then nothing is kept). */
  static async open(): Promise<Outbox | null> {
    if (typeof indexedDB === 'undefined') return null;
    try {
      const request = indexedDB.open(DATABASE, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'clientId' }).createIndex(BY_USER, 'userId');
      return new Outbox(await done(request));
    } catch {
      return null;
    }
  }

  /** A user's entries, oldest first. */
  async list(userId: string): Promise<OutboxEntry[]> {
    const entries = await done(this.db.transaction(STORE).objectStore(STORE).index(BY_USER).getAll(userId) as IDBRequest<OutboxEntry[]>);
    return entries.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  put(entry: OutboxEntry): Promise<unknown> {
    return this.write((store) => store.put(entry));
  }

  delete(clientId: string): Promise<unknown> {
    return this.write((store) => store.delete(clientId));
  }

  /** Resolves once the write is durable (the transaction completed). */
  private write(change: (store: IDBObjectStore) => IDBRequest): Promise<void> {
    return new Promise((resolve, reject) => {
      const transaction = this.db.transaction(STORE, 'readwrite');
      change(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve();
      transaction.onerror = transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB write failed'));
    });
  }

  close(): void {
    this.db.close();
  }
}
