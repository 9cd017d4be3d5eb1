import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { LocalFolderStorage } from './local-folder-storage';
import { MemoryStorage } from './memory-storage';

const read = async (stream: Readable | null): Promise<Buffer | null> => {
  if (!stream) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
};

const TRAVERSALS = ['../outside', 'images/../../outside', '/etc/passwd', 'images\\..\\outside', '.hidden', 'images/./x', 'images//x', 'images/', '', 'a'.repeat(600)];

describe(LocalFolderStorage.name, () => {
  let parent: string;
  let root: string;
  let storage: LocalFolderStorage;

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'parley-storage-'));
    root = join(parent, 'uploads');
    storage = new LocalFolderStorage(root);
  });
  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('stores, streams back, replaces and deletes bytes by key, creating folders as needed', async () => {
    await storage.put('images/ab/abc.png', Buffer.from('first'), { contentType: 'image/png' });
    expect(await read(await storage.get('images/ab/abc.png'))).toEqual(Buffer.from('first'));
    expect(await readFile(join(root, 'images/ab/abc.png'), 'utf8')).toBe('first');
    await storage.put('images/ab/abc.png', Buffer.from('second'), { contentType: 'image/png' });
    expect(await read(await storage.get('images/ab/abc.png'))).toEqual(Buffer.from('second'));
    // Written through a temporary name: nothing but the file is left behind.
    expect(await readdir(join(root, 'images/ab'))).toEqual(['abc.png']);
    await storage.delete('images/ab/abc.png');
    expect(await storage.get('images/ab/abc.png')).toBeNull();
  });

  it('answers null for a key that holds nothing, and deleting it is not an error', async () => {
    expect(await storage.get('images/none.png')).toBeNull();
    await expect(storage.delete('images/none.png')).resolves.toBeUndefined();
  });

  it.each(TRAVERSALS)('refuses the key %j on every operation, touching nothing outside its folder', async (key) => {
    await expect(storage.put(key, Buffer.from('x'), { contentType: 'image/png' })).rejects.toThrow('Not a valid storage key');
    await expect(storage.get(key)).rejects.toThrow('Not a valid storage key');
    await expect(storage.delete(key)).rejects.toThrow('Not a valid storage key');
    expect(await readdir(parent)).toEqual([]);
  });
});

describe(MemoryStorage.name, () => {
  it('stores a copy, streams it back and deletes it', async () => {
    const storage = new MemoryStorage();
    const data = Buffer.from('bytes');
    await storage.put('images/a.png', data, { contentType: 'image/png' });
    data.fill(0);
    expect(await read(await storage.get('images/a.png'))).toEqual(Buffer.from('bytes'));
    await storage.delete('images/a.png');
    expect(await storage.get('images/a.png')).toBeNull();
    await expect(storage.get('../a.png')).rejects.toThrow('Not a valid storage key');
  });
});
