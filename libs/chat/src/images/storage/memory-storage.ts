import { Readable } from 'node:stream';
import type { ChatStorageDriver, ChatStoredObjectMetadata } from './chat-storage-driver';
import { requireStorageKey } from './storage-key';

/**
 * Keeps the bytes in process memory: for tests and in-memory deployments, where nothing is meant to survive a
 * restart. Nothing bounds its size.
 */
export class MemoryStorage implements ChatStorageDriver {
  private readonly objects = new Map<string, Buffer>();

  async put(key: string, data: Buffer, _metadata?: ChatStoredObjectMetadata): Promise<void> {
    // A copy: the caller's buffer may be reused or changed after the call.
    this.objects.set(requireStorageKey(key), Buffer.from(data));
  }

  async get(key: string): Promise<Readable | null> {
    const data = this.objects.get(requireStorageKey(key));
    return data ? Readable.from([data], { objectMode: false }) : null;
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(requireStorageKey(key));
  }
}
