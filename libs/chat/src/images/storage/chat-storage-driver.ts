import type { Readable } from 'node:stream';

/**
 * Where the module keeps the bytes of images (the served file and its thumbnail), addressed by key. Keys are
 * made by the module: relative, `/`-separated paths of letters, digits, `.`, `_` and `-` (see `isStorageKey`),
 * such as `images/3f/3f2a...-file.png`.
 *
 * The built-in drivers are a local folder and process memory. For an S3-style object store, implement this
 * interface with the store's client (`put` → PutObject, `get` → GetObject's body stream or null on NoSuchKey,
 * `delete` → DeleteObject) and pass it as the `storage` module option.
 */
export interface ChatStorageDriver {
  /** Stores `data` under `key`, replacing what was there; resolves once the bytes are durably stored. */
  put(key: string, data: Buffer, metadata: ChatStoredObjectMetadata): Promise<void>;
  /** The bytes stored under `key` as a stream, or null when nothing is stored there. */
  get(key: string): Promise<Readable | null>;
  /** Removes what is stored under `key`; removing a key that holds nothing is not an error. */
  delete(key: string): Promise<void>;
}

/** What a driver may record beside the bytes (object stores keep it as the object's Content-Type). */
export interface ChatStoredObjectMetadata {
  contentType: string;
}

/** The injection token of the storage driver the images feature uses. */
export const CHAT_STORAGE_DRIVER = Symbol('CHAT_STORAGE_DRIVER');
