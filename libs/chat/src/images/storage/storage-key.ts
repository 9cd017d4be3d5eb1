/**
 * A storage key: relative segments of letters, digits, `.`, `_` and `-`, separated by single slashes, none
 * starting with a dot. That leaves no room for `..`, absolute paths, backslashes or hidden files, whichever
 * driver turns the key into a path or an object name.
 */
const KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;
const MAX_KEY_LENGTH = 512;

export const isStorageKey = (key: string): boolean => key.length <= MAX_KEY_LENGTH && KEY.test(key);

export function requireStorageKey(key: string): string {
  if (!isStorageKey(key)) throw new Error(`Not a valid storage key: ${JSON.stringify(key)}`);
  return key;
}
