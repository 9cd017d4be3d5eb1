import { BASE, chatClient, type MessageBody } from './support/chat-client';
import { pngImage, webpImage } from './support/image-fixtures';
import { DATABASES, startTestApp, type TestApp, type TestUser } from './support/test-app';

interface ImageBody {
  id: string;
  url: string;
  thumbnailUrl: string;
}

describe.each(DATABASES)('images in messages and rooms (%s)', (kind) => {
  let t: TestApp;
  let chat: ReturnType<typeof chatClient>;
  beforeAll(async () => {
    // Seqs here count user messages exactly; system messages have their own spec.
    t = await startTestApp(kind, { systemMessages: false });
    chat = chatClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const upload = async (user: TestUser, data: Buffer): Promise<ImageBody> =>
    (await t.http().post(`${BASE}/images`).set(user.auth).attach('file', data, 'picture.png').expect(201)).body;

  it('attaches your own images in order, shows them to the room, and drops them from tombstones', async () => {
    const [ann, bob, eve] = [t.user(), t.user(), t.user()];
    const room = await chat.group(ann, [bob]);
    const [first, second] = [await upload(ann, await pngImage(20, 10)), await upload(ann, await webpImage(30, 20))];
    const message = await chat.send(ann, room.id, '', { imageIds: [second.id, first.id] });
    expect(message.body).toBe('');
    expect((message.images as ImageBody[]).map((image) => image.id)).toEqual([second.id, first.id]);
    expect(message.images[0]).toMatchObject({ width: 30, height: 20, url: `/${BASE.slice(1)}/images/${second.id}/file` });
    const listed = await t.http().get(`${BASE}/rooms/${room.id}/messages`).set(bob.auth).expect(200);
    expect((listed.body.items[0] as MessageBody).images).toHaveLength(2);
    await t.http().get(second.url).set(bob.auth).expect(200);
    await t.http().get(second.thumbnailUrl).set(bob.auth).expect(200);
    await t.http().get(second.url).set(eve.auth).expect(404);
    await t.http().delete(`${BASE}/rooms/${room.id}/messages/${message.id}`).set(ann.auth).expect(204);
    const tomb = await t.http().get(`${BASE}/rooms/${room.id}/messages/${message.id}`).set(bob.auth).expect(200);
    expect(tomb.body.images).toEqual([]);
    await t.http().get(second.url).set(bob.auth).expect(404);
    await t.http().get(second.url).set(ann.auth).expect(200);
  });

  it('refuses somebody else’s image, an unknown one, duplicates and too many, storing nothing', async () => {
    const [ann, bob] = [t.user(), t.user()];
    const room = await chat.group(ann, [bob]);
    const bobs = await upload(bob, await pngImage());
    const mine = await upload(ann, await pngImage());
    for (const imageIds of [[bobs.id], ['00000000-0000-0000-0000-000000000000'], [mine.id, mine.id], ['not-a-uuid'], Array.from({ length: 11 }, () => mine.id)]) {
      const res = await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: 'x', imageIds });
      expect([imageIds.length, res.status]).toEqual([imageIds.length, 400]);
    }
    await t.http().get(bobs.url).set(ann.auth).expect(404);
    expect((await chat.room(ann, room.id)).lastSeq).toBe(0);
    await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ imageIds: [] }).expect(400);
  });

  it('sets a room picture from your own image, visible to members (and to anybody for a public room)', async () => {
    const [ann, bob, eve] = [t.user(), t.user(), t.user()];
    const picture = await upload(ann, await pngImage());
    const room = await chat.group(ann, [bob], { imageId: picture.id });
    expect((await chat.room(bob, room.id)).imageId).toBe(picture.id);
    await t.http().get(picture.url).set(bob.auth).expect(200);
    await t.http().get(picture.url).set(eve.auth).expect(404);
    await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ isPublic: true }).expect(200);
    await t.http().get(picture.url).set(eve.auth).expect(200);
    const bobs = await upload(bob, await pngImage());
    await t.http().patch(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(ann.auth).send({ role: 'admin' }).expect(200);
    const changed = await t.http().patch(`${BASE}/rooms/${room.id}`).set(bob.auth).send({ imageId: bobs.id }).expect(200);
    expect(changed.body.imageId).toBe(bobs.id);
    await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ imageId: picture.id }).expect(200);
    const err = await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ imageId: bobs.id }).expect(400);
    expect(err.body.message).toBe('imageId must name an image you uploaded');
    await t.http().delete(`${BASE}/images/${picture.id}`).set(ann.auth).expect(204);
    expect((await chat.room(bob, room.id)).imageId).toBeNull();
    const cleared = await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ imageId: null }).expect(200);
    expect(cleared.body.imageId).toBeNull();
    await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'direct', memberIds: [bob.id], imageId: bobs.id }).expect(400);
  });
});
