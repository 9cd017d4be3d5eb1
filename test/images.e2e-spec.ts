import { getDataSourceToken } from '@nestjs/typeorm';
import sharp from 'sharp';
import type { Response } from 'supertest';
import type { DataSource } from 'typeorm';
import { ImageAttachmentsService } from '../libs/chat/src/images/image-attachments.service';
import { CHAT_STORAGE_DRIVER, type ChatStorageDriver } from '../libs/chat/src/images/storage/chat-storage-driver';
import {
  GPS_MARKER,
  animatedGif,
  jpegWithExif,
  noisyPng,
  pixelBombPng,
  pngImage,
  svgWithScript,
  truncatedPng,
  webpImage,
} from './support/image-fixtures';
import { DATABASES, startTestApp, type TestApp, type TestUser } from './support/test-app';

const BASE = '/api/v1/chat';

interface ImageBody {
  id: string;
  uploaderId: string;
  mimeType: string;
  size: number;
  width: number;
  height: number;
  url: string;
  thumbnailUrl: string;
  createdAt: string;
}

describe.each(DATABASES)('images (%s)', (kind) => {
  let t: TestApp;
  let db: DataSource;
  beforeAll(async () => {
    t = await startTestApp(kind);
    db = t.app.get<DataSource>(getDataSourceToken());
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (user: TestUser, data: Buffer, filename = 'picture.png', contentType = 'image/png') =>
    t.http().post(`${BASE}/images`).set(user.auth).attach('file', data, { filename, contentType });

  const upload = async (user: TestUser, data?: Buffer, filename?: string): Promise<ImageBody> =>
    (await post(user, data ?? (await pngImage()), filename).expect(201)).body as ImageBody;

  /** GETs a URL the API gave, with the body as bytes. */
  const download = (user: TestUser, url: string) =>
    t
      .http()
      .get(url)
      .set(user.auth)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });

  const group = async (owner: TestUser, members: TestUser[]) =>
    (await t.http().post(`${BASE}/rooms`).set(owner.auth).send({ type: 'group', title: 'Photos', memberIds: members.map((m) => m.id) }).expect(201))
      .body as { id: string };

  /** A message row written straight to the tables (the route that sends one belongs to messages), at the room's next seq. */
  const insertMessage = async (roomId: string, senderId: string): Promise<string> => {
    const [[room]] = (await db.query(`UPDATE chat_rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq`, [roomId])) as [Array<{ last_seq: number }>, number];
    const [message] = (await db.query(`INSERT INTO chat_messages (room_id, seq, sender_id, body, version) VALUES ($1, $2, $3, 'look', 1) RETURNING id`, [
      roomId,
      room.last_seq,
      senderId,
    ])) as Array<{ id: string }>;
    return message.id;
  };

  /** A message with the image, written straight to the tables. */
  const attachInMessage = async (roomId: string, senderId: string, imageId: string): Promise<string> => {
    const message = { id: await insertMessage(roomId, senderId) };
    await db.query(`INSERT INTO chat_message_images (message_id, image_id, position) VALUES ($1, $2, 0)`, [message.id, imageId]);
    return message.id;
  };

  describe('uploading', () => {
    it('accepts a PNG: 201 with the Image, urls under the module path, a WebP thumbnail no larger than 320 px', async () => {
      const ann = t.user();
      const res = await post(ann, await pngImage(1000, 500), 'holiday.png').expect(201);
      const image = res.body as ImageBody;
      expect(image).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        uploaderId: ann.id,
        mimeType: 'image/png',
        size: expect.any(Number),
        width: 1000,
        height: 500,
        url: `${BASE}/images/${image.id}/file`,
        thumbnailUrl: `${BASE}/images/${image.id}/thumbnail`,
        createdAt: expect.any(String),
      });
      expect(new Date(image.createdAt).toISOString()).toBe(image.createdAt);
      const file = await download(ann, image.url).expect(200);
      expect(file.body.length).toBe(image.size);
      expect(await sharp(file.body as Buffer).metadata()).toMatchObject({ format: 'png', width: 1000, height: 500 });
      const thumbnail = await download(ann, image.thumbnailUrl).expect(200);
      expect(thumbnail.headers['content-type']).toBe('image/webp');
      expect(await sharp(thumbnail.body as Buffer).metadata()).toMatchObject({ format: 'webp', width: 320, height: 160 });
    });

    it('does not enlarge the thumbnail of a small image', async () => {
      const ann = t.user();
      const image = await upload(ann, await pngImage(64, 32));
      const thumbnail = await download(ann, image.thumbnailUrl).expect(200);
      expect(await sharp(thumbnail.body as Buffer).metadata()).toMatchObject({ width: 64, height: 32 });
    });

    it('applies EXIF orientation to width and height and strips every metadata (GPS included) from what is served', async () => {
      const ann = t.user();
      const original = await jpegWithExif();
      const before = await sharp(original).metadata();
      expect(before).toMatchObject({ width: 64, height: 32, orientation: 6 });
      expect(before.exif?.toString('latin1')).toContain(GPS_MARKER);

      const image = await upload(ann, original, 'IMG_0001.JPG');
      expect(image).toMatchObject({ mimeType: 'image/jpeg', width: 32, height: 64 });
      for (const url of [image.url, image.thumbnailUrl]) {
        const served = (await download(ann, url).expect(200)).body as Buffer;
        const after = await sharp(served).metadata();
        expect(after).toMatchObject({ width: 32, height: 64 });
        expect(after.orientation).toBeUndefined();
        expect(after.exif).toBeUndefined();
        expect(after.xmp).toBeUndefined();
        expect(served.toString('latin1')).not.toContain(GPS_MARKER);
      }
    });

    it('accepts WebP and GIF (an animation stays animated; its height is one frame)', async () => {
      const ann = t.user();
      expect(await upload(ann, await webpImage(50, 40), 'a.webp')).toMatchObject({ mimeType: 'image/webp', width: 50, height: 40 });
      const gif = await upload(ann, await animatedGif(), 'a.gif');
      expect(gif).toMatchObject({ mimeType: 'image/gif', width: 40, height: 30 });
      const served = (await download(ann, gif.url).expect(200)).body as Buffer;
      expect(await sharp(served).metadata()).toMatchObject({ format: 'gif', pages: 2, width: 40, height: 30 });
    });

    it('reads the type from the bytes, not from the name or the declared type', async () => {
      const ann = t.user();
      const res = await post(ann, await pngImage(), 'photo.jpg', 'image/jpeg').expect(201);
      expect(res.body.mimeType).toBe('image/png');
      const file = await download(ann, res.body.url).expect(200);
      expect(file.headers['content-type']).toBe('image/png');
      expect(file.headers['content-disposition']).toBe(`inline; filename="photo.png"; filename*=UTF-8''photo.png`);
    });

    it.each([
      ['a text file named .png', Buffer.from('This is not an image, whatever its name says.\n'), 'notes.png', 'image/png'],
      ['an SVG with a script', svgWithScript(), 'logo.svg', 'image/svg+xml'],
      ['an SVG named .png', svgWithScript(), 'logo.png', 'image/png'],
    ])('refuses %s with 415', async (_case, data, filename, contentType) => {
      const ann = t.user();
      const res = await post(ann, data, filename, contentType).expect(415);
      expect(res.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', error: 'Unsupported Media Type' });
      expect((await t.http().get(`${BASE}/images`).set(ann.auth).expect(200)).body.items).toEqual([]);
    });

    it('refuses a truncated PNG and an empty file with 400', async () => {
      const ann = t.user();
      const truncated = await post(ann, await truncatedPng()).expect(400);
      expect(truncated.body).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('could not be decoded') });
      await post(ann, Buffer.alloc(0)).expect(400);
      expect((await t.http().get(`${BASE}/images`).set(ann.auth).expect(200)).body.items).toEqual([]);
    });

    it('refuses a 20000×20000 pixel bomb with 413 from its header, fast', async () => {
      const ann = t.user();
      const bomb = pixelBombPng();
      expect(bomb.length).toBeLessThan(1024 * 1024);
      const started = Date.now();
      const res = await post(ann, bomb, 'bomb.png').expect(413);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('40000000 pixels') });
    });

    it('answers 400 without a `file` field, with another field, or with a second file', async () => {
      const ann = t.user();
      const png = await pngImage();
      const missing = await t.http().post(`${BASE}/images`).set(ann.auth).field('caption', 'hello').expect(400);
      expect(missing.body).toMatchObject({ statusCode: 400, code: 'INVALID_INPUT' });
      const empty = await t.http().post(`${BASE}/images`).set(ann.auth).expect(400);
      expect(empty.body.message).toContain('`file`');
      await t.http().post(`${BASE}/images`).set(ann.auth).attach('photo', png, 'a.png').expect(400);
      await t.http().post(`${BASE}/images`).set(ann.auth).attach('file', png, 'a.png').field('caption', 'x').expect(400);
      await t.http().post(`${BASE}/images`).set(ann.auth).attach('file', png, 'a.png').attach('file', png, 'b.png').expect(400);
      await t.http().post(`${BASE}/images`).set(ann.auth).send({ file: 'not multipart' }).expect(400);
      expect((await t.http().get(`${BASE}/images`).set(ann.auth).expect(200)).body.items).toEqual([]);
    });

    it('needs a valid token before anything is read', async () => {
      await t.http().post(`${BASE}/images`).attach('file', await pngImage(), 'a.png').expect(401);
    });

    it('keeps a UTF-8 file name for Content-Disposition', async () => {
      const ann = t.user();
      const image = await upload(ann, await pngImage(), 'фото 1.png');
      const file = await download(ann, image.url).expect(200);
      expect(file.headers['content-disposition']).toBe(`inline; filename="____ 1.png"; filename*=UTF-8''%D1%84%D0%BE%D1%82%D0%BE%201.png`);
    });
  });

  describe('size limit', () => {
    let small: TestApp;
    beforeAll(async () => {
      small = await startTestApp(kind, { images: { maxUploadBytes: 64 * 1024, maxPixels: 40_000_000 } });
    });
    afterAll(async () => {
      await small?.close();
    });

    it('refuses a file over maxUploadBytes with 413 while it streams, and accepts one under it', async () => {
      const ann = small.user();
      const big = await noisyPng();
      expect(big.length).toBeGreaterThan(64 * 1024);
      const res = await small.http().post(`${BASE}/images`).set(ann.auth).attach('file', big, 'big.png').expect(413);
      expect(res.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('65536 bytes') });
      await small.http().post(`${BASE}/images`).set(ann.auth).attach('file', await pngImage(), 'small.png').expect(201);
    });
  });

  describe('serving', () => {
    it('sends the type, nosniff, an inline sanitised name, a private cache policy and an ETag; 304 when it is current', async () => {
      const ann = t.user();
      const image = await upload(ann, await pngImage(), '../../etc/"evil"\r\nX-Injected: 1.png');
      const file = await download(ann, image.url).expect(200);
      expect(file.headers).toMatchObject({
        'content-type': 'image/png',
        'x-content-type-options': 'nosniff',
        'cache-control': 'private, no-cache',
        'content-length': String(image.size),
      });
      expect(file.headers['x-injected']).toBeUndefined();
      expect(file.headers['content-disposition']).toMatch(/^inline; filename="[^"/\\]+\.png"; filename\*=UTF-8''\S+$/);
      const etag = file.headers.etag as string;
      expect(etag).toMatch(/^"[0-9a-f]{64}"$/);

      const again = await t.http().get(image.url).set(ann.auth).set('If-None-Match', etag).expect(304);
      expect(again.headers.etag).toBe(etag);
      expect(again.text ?? '').toBe('');
      await t.http().get(image.url).set(ann.auth).set('If-None-Match', '"something-else"').expect(200);

      const thumbnail = await download(ann, image.thumbnailUrl).expect(200);
      expect(thumbnail.headers).toMatchObject({ 'content-type': 'image/webp', 'x-content-type-options': 'nosniff', 'cache-control': 'private, no-cache' });
      expect(thumbnail.headers['content-disposition']).toMatch(/^inline; filename="[^"]+-thumbnail\.webp"/);
      expect(thumbnail.headers.etag).not.toBe(etag);
      await t.http().get(image.thumbnailUrl).set(ann.auth).set('If-None-Match', thumbnail.headers.etag as string).expect(304);
    });

    it('answers 404 to outsiders for metadata, file and thumbnail, also with a matching ETag', async () => {
      const [ann, eve] = [t.user(), t.user()];
      const image = await upload(ann);
      const etag = (await download(ann, image.url).expect(200)).headers.etag as string;
      for (const url of [`${BASE}/images/${image.id}`, image.url, image.thumbnailUrl]) {
        const res = await t.http().get(url).set(eve.auth).expect(404);
        expect(res.body).toMatchObject({ statusCode: 404, code: 'IMAGE_NOT_FOUND' });
      }
      await t.http().get(image.url).set(eve.auth).set('If-None-Match', etag).expect(404);
      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        await t.http().get(`${BASE}/images/${id}`).set(ann.auth).expect(404);
        await t.http().get(`${BASE}/images/${id}/file`).set(ann.auth).expect(404);
      }
    });

    it('serves members of a room where the image is in a message, until that message is deleted', async () => {
      const [ann, bob, eve] = [t.user(), t.user(), t.user()];
      const room = await group(ann, [bob]);
      const image = await upload(ann);
      await t.http().get(`${BASE}/images/${image.id}`).set(bob.auth).expect(404);
      const messageId = await attachInMessage(room.id, ann.id, image.id);

      expect((await t.http().get(`${BASE}/images/${image.id}`).set(bob.auth).expect(200)).body).toEqual(image);
      expect(((await download(bob, image.url).expect(200)).body as Buffer).length).toBe(image.size);
      await download(bob, image.thumbnailUrl).expect(200);
      await t.http().get(image.url).set(eve.auth).expect(404);
      // Seeing it is not owning it: bob may not delete it, and does not list it.
      await t.http().delete(`${BASE}/images/${image.id}`).set(bob.auth).expect(403);
      expect((await t.http().get(`${BASE}/images`).set(bob.auth).expect(200)).body.items).toEqual([]);

      await db.query(`UPDATE chat_messages SET deleted_at = now() WHERE id = $1`, [messageId]);
      for (const url of [`${BASE}/images/${image.id}`, image.url, image.thumbnailUrl]) await t.http().get(url).set(bob.auth).expect(404);
      await download(ann, image.url).expect(200);
    });

    it('stops serving a member who leaves the room', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await group(ann, [bob]);
      const image = await upload(ann);
      await attachInMessage(room.id, ann.id, image.id);
      await download(bob, image.url).expect(200);
      await t.http().post(`${BASE}/rooms/${room.id}/leave`).set(bob.auth).expect(204);
      await t.http().get(image.url).set(bob.auth).expect(404);
    });
  });

  describe('listing', () => {
    it('lists my images newest first, page by page, and nobody else’s', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const uploaded: ImageBody[] = [];
      for (let i = 0; i < 3; i++) uploaded.push(await upload(ann));
      await upload(bob);

      const first = await t.http().get(`${BASE}/images`).query({ limit: 2 }).set(ann.auth).expect(200);
      expect(first.body.items.map((i: ImageBody) => i.id)).toEqual([uploaded[2].id, uploaded[1].id]);
      expect(typeof first.body.nextCursor).toBe('string');
      const second: Response = await t.http().get(`${BASE}/images`).query({ limit: 2, cursor: first.body.nextCursor }).set(ann.auth).expect(200);
      expect(second.body).toEqual({ items: [uploaded[0]], nextCursor: null });

      await t.http().get(`${BASE}/images`).query({ cursor: 'garbage' }).set(ann.auth).expect(400);
      await t.http().get(`${BASE}/images`).query({ limit: 0 }).set(ann.auth).expect(400);
      await t.http().get(`${BASE}/images`).query({ color: 'red' }).set(ann.auth).expect(400);
    });
  });

  describe('deleting', () => {
    it('is the uploader’s (204, then 404 everywhere); anybody else gets 404', async () => {
      const [ann, eve] = [t.user(), t.user()];
      const image = await upload(ann);
      await t.http().delete(`${BASE}/images/${image.id}`).set(eve.auth).expect(404);
      await t.http().delete(`${BASE}/images/${image.id}`).set(ann.auth).expect(204);
      for (const url of [`${BASE}/images/${image.id}`, image.url, image.thumbnailUrl]) await t.http().get(url).set(ann.auth).expect(404);
      await t.http().delete(`${BASE}/images/${image.id}`).set(ann.auth).expect(404);
      expect((await t.http().get(`${BASE}/images`).set(ann.auth).expect(200)).body.items).toEqual([]);
      expect(await db.query(`SELECT id FROM chat_images WHERE id = $1`, [image.id])).toEqual([]);
    });

    it('removes the bytes from storage', async () => {
      const ann = t.user();
      const storage = t.app.get<ChatStorageDriver>(CHAT_STORAGE_DRIVER, { strict: false });
      const image = await upload(ann);
      const [row] = (await db.query(`SELECT file_key, thumbnail_key FROM chat_images WHERE id = $1`, [image.id])) as Array<{ file_key: string; thumbnail_key: string }>;
      expect(await storage.get(row.file_key)).not.toBeNull();
      await t.http().delete(`${BASE}/images/${image.id}`).set(ann.auth).expect(204);
      expect(await storage.get(row.file_key)).toBeNull();
      expect(await storage.get(row.thumbnail_key)).toBeNull();
    });

    it('takes the image out of the messages that showed it, as one change of their room', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await group(ann, [bob]);
      const image = await upload(ann);
      const messageId = await attachInMessage(room.id, ann.id, image.id);
      const before = (await t.http().get(`${BASE}/rooms/${room.id}`).set(ann.auth).expect(200)).body.version as number;
      await t.http().delete(`${BASE}/images/${image.id}`).set(ann.auth).expect(204);
      const after = (await t.http().get(`${BASE}/rooms/${room.id}`).set(ann.auth).expect(200)).body.version as number;
      expect(after).toBe(before + 1);
      const [message] = (await db.query(`SELECT version FROM chat_messages WHERE id = $1`, [messageId])) as Array<{ version: number }>;
      expect(message.version).toBe(after);
      expect(await db.query(`SELECT * FROM chat_message_images WHERE message_id = $1`, [messageId])).toEqual([]);
      await t.http().get(image.url).set(bob.auth).expect(404);
    });
  });

  it('describes the routes in the OpenAPI document: operationIds and the multipart body', async () => {
    const doc = (await t.http().get('/api/docs-json').expect(200)).body as { paths: Record<string, Record<string, { operationId: string; requestBody?: unknown }>> };
    const images = doc.paths[`${BASE}/images`];
    expect(images.post.operationId).toBe('uploadImage');
    expect(images.post.requestBody).toMatchObject({
      content: { 'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } } },
    });
    expect(images.get.operationId).toBe('listImages');
    expect(doc.paths[`${BASE}/images/{imageId}`].get.operationId).toBe('getImage');
    expect(doc.paths[`${BASE}/images/{imageId}`].delete.operationId).toBe('deleteImage');
    expect(doc.paths[`${BASE}/images/{imageId}/file`].get.operationId).toBe('getImageFile');
    expect(doc.paths[`${BASE}/images/{imageId}/thumbnail`].get.operationId).toBe('getImageThumbnail');
  });

  describe(ImageAttachmentsService.name, () => {
    let attachments: ImageAttachmentsService;
    beforeAll(() => {
      attachments = t.app.get(ImageAttachmentsService, { strict: false });
    });

    it('requireOwnImages: the caller’s images in the given order; anything else is 400 without telling why', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const [a, b] = [await upload(ann), await upload(ann)];
      const bobs = await upload(bob);
      await db.transaction(async (manager) => {
        expect((await attachments.requireOwnImages(manager, ann.id, [b.id, a.id])).map((i) => i.id)).toEqual([b.id, a.id]);
        expect(await attachments.requireOwnImages(manager, ann.id, [])).toEqual([]);
        expect((await attachments.requireOwnImages(manager, ann.id, [a.id.toUpperCase()])).map((i) => i.id)).toEqual([a.id]);
      });
      const refused = async (ids: string[]) => {
        let error: unknown;
        await db.transaction((manager) => attachments.requireOwnImages(manager, ann.id, ids)).catch((e: unknown) => (error = e));
        expect(error).toMatchObject({ status: 400, code: 'INVALID_INPUT' });
        return (error as Error).message;
      };
      const notYours = await refused([a.id, bobs.id]);
      expect(await refused([a.id, '00000000-0000-4000-8000-000000000000'])).toBe(notYours);
      expect(await refused(['not-a-uuid'])).toBe(notYours);
      expect(await refused([a.id, a.id])).toContain('twice');
      expect(await refused(Array.from({ length: 11 }, () => a.id))).toContain('at most 10');
    });

    it('imagesForMessages (by position, one map for a page) and detachAll', async () => {
      const ann = t.user();
      const room = await group(ann, []);
      const [a, b] = [await upload(ann), await upload(ann, await webpImage())];
      const m1 = { id: await insertMessage(room.id, ann.id) };
      const m2 = { id: await insertMessage(room.id, ann.id) };
      await db.query(`INSERT INTO chat_message_images (message_id, image_id, position) VALUES ($1, $2, 1), ($1, $3, 0)`, [m1.id, a.id, b.id]);
      const views = await attachments.imagesForMessages([m1.id, m2.id]);
      expect(views.get(m1.id)).toEqual([b, a]);
      expect(views.get(m2.id)).toEqual([]);
      await db.transaction((manager) => attachments.detachAll(manager, m1.id));
      expect((await attachments.imagesForMessages([m1.id])).get(m1.id)).toEqual([]);
      expect(await attachments.imagesForMessages([])).toEqual(new Map());
    });
  });
});
