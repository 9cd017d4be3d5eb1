import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { ChatStorageDriver, ChatStoredObjectMetadata } from './chat-storage-driver';
import { requireStorageKey } from './storage-key';

/** The default driver: one file per key under a folder, created on first write. */
export class LocalFolderStorage implements ChatStorageDriver {
  private readonly root: string;

  constructor(directory: string) {
    this.root = resolve(directory);
  }

  /**
   * Written to a temporary name first and renamed into place, so a half-written file is never served. The content
   * type is not kept: the image's row records it.
   */
  async put(key: string, data: Buffer, _metadata?: ChatStoredObjectMetadata): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomBytes(6).toString('hex')}.partial`;
    try {
      await writeFile(temporary, data, { flag: 'wx' });
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Readable | null> {
    try {
      // Opened here rather than by the stream, so a missing file is a null now and not a stream error later.
      const handle = await open(this.pathOf(key), 'r');
      return handle.createReadStream();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /** The key is checked twice: by its shape, and by where it resolves to (it must stay under the root). */
  private pathOf(key: string): string {
    const path = resolve(this.root, requireStorageKey(key));
    if (!path.startsWith(this.root + sep)) throw new Error(`Not a valid storage key: ${JSON.stringify(key)}`);
    return path;
  }
}
