import { DataSource } from 'typeorm';
import { ask, closeSockets, connectSocket, nextEvent, record } from './support/sockets';
import { DATABASES, startTestApp, type TestApp, type TestUser } from './support/test-app';

const BASE = '/api/v1/chat';

/**
 * Blocks (API.md, "Moderation" → "Blocks"): a user blocked by U cannot open a direct room with U, add U to a room,
 * or write in their direct room (403 BLOCKED, HTTP and socket), and learns nothing of U's presence. U's own view
 * is unchanged.
 */
describe.each(DATABASES)('blocks (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => {
    closeSockets();
    await t?.close();
  });

  const block = (by: TestUser, userId: string) => t.http().put(`${BASE}/blocks/${encodeURIComponent(userId)}`).set(by.auth);
  const direct = (from: TestUser, to: TestUser) => t.http().post(`${BASE}/rooms`).set(from.auth).send({ type: 'direct', memberIds: [to.id] });
  const group = async (owner: TestUser, members: TestUser[] = [], isPublic = false) =>
    (await t.http().post(`${BASE}/rooms`).set(owner.auth).send({ type: 'group', title: 'Team', isPublic, memberIds: members.map((m) => m.id) }).expect(201)).body as {
      id: string;
    };

  it('blocks idempotently, lists the caller’s blocks newest first, unblocks, and refuses blocking yourself', async () => {
    const [ann, bob, cat] = [t.user('Ann'), t.user('Bob'), t.user('Cat')];
    const first = await block(ann, bob.id).expect(200);
    expect(first.body).toEqual({ userId: bob.id, createdAt: expect.any(String) });
    const again = await block(ann, bob.id).expect(200);
    expect(again.body).toEqual(first.body);
    await block(ann, cat.id).expect(200);
    const list = await t.http().get(`${BASE}/blocks`).set(ann.auth).expect(200);
    expect(list.body.items.map((item: { userId: string }) => item.userId).sort()).toEqual([bob.id, cat.id].sort());
    expect((await t.http().get(`${BASE}/blocks`).set(bob.auth).expect(200)).body).toEqual({ items: [] });
    const self = await block(ann, ann.id).expect(400);
    expect(self.body.code).toBe('INVALID_INPUT');
    await t.http().delete(`${BASE}/blocks/${bob.id}`).set(ann.auth).expect(204);
    await t.http().delete(`${BASE}/blocks/${bob.id}`).set(ann.auth).expect(204);
    const after = await t.http().get(`${BASE}/blocks`).set(ann.auth).expect(200);
    expect(after.body.items.map((item: { userId: string }) => item.userId)).toEqual([cat.id]);
  });

  it('keeps a blocked user from opening or reopening a direct room with the blocker; the blocker still can', async () => {
    const [ann, bob, cat] = [t.user(), t.user(), t.user()];
    await block(ann, bob.id).expect(200);
    const refused = await direct(bob, ann).expect(403);
    expect(refused.body.code).toBe('BLOCKED');
    const opened = await direct(ann, bob).expect(201);
    expect((await direct(bob, ann).expect(403)).body.code).toBe('BLOCKED');
    await direct(ann, bob).expect(200);
    // Nobody else is affected.
    await direct(cat, ann).expect(201);
    await t.http().delete(`${BASE}/blocks/${bob.id}`).set(ann.auth).expect(204);
    expect((await direct(bob, ann).expect(200)).body.id).toBe(opened.body.id);
  });

  it('keeps a blocked user from adding the blocker to a room, at creation or later', async () => {
    const [ann, bob, cat] = [t.user(), t.user(), t.user()];
    await block(ann, bob.id).expect(200);
    const room = await group(bob, [cat]);
    const add = await t.http().post(`${BASE}/rooms/${room.id}/members`).set(bob.auth).send({ userId: ann.id }).expect(403);
    expect(add.body.code).toBe('BLOCKED');
    const create = await t.http().post(`${BASE}/rooms`).set(bob.auth).send({ type: 'group', title: 'X', memberIds: [cat.id, ann.id] }).expect(403);
    expect(create.body.code).toBe('BLOCKED');
    // The blocker adds the blocked user; another member adds the blocker.
    const annRoom = await group(ann);
    await t.http().post(`${BASE}/rooms/${annRoom.id}/members`).set(ann.auth).send({ userId: bob.id }).expect(201);
    await t.http().patch(`${BASE}/rooms/${room.id}/members/${cat.id}`).set(bob.auth).send({ role: 'admin' }).expect(200);
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(cat.auth).send({ userId: ann.id }).expect(201);
  });

  it('refuses a blocked user’s messages in the direct room, over HTTP and the socket; the blocker still writes', async () => {
    const [ann, bob] = [t.user(), t.user()];
    const room = (await direct(ann, bob).expect(201)).body as { id: string };
    await block(ann, bob.id).expect(200);
    const http = await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(bob.auth).send({ body: 'hi' }).expect(403);
    expect(http.body.code).toBe('BLOCKED');
    const socket = await connectSocket(t.url, bob.token);
    const ack = await ask(socket, 'message.send', { roomId: room.id, body: 'hi' });
    expect(ack).toMatchObject({ ok: false, error: { statusCode: 403, code: 'BLOCKED' } });
    await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: 'bye' }).expect(201);
    // In a group room the block changes nothing.
    const shared = await group(ann, [bob]);
    await t.http().post(`${BASE}/rooms/${shared.id}/messages`).set(bob.auth).send({ body: 'hello all' }).expect(201);
    await t.http().delete(`${BASE}/blocks/${bob.id}`).set(ann.auth).expect(204);
    expect(await ask(socket, 'message.send', { roomId: room.id, body: 'hi again' })).toMatchObject({ ok: true });
  });

  it('answers an outsider 404, not BLOCKED, for a direct room they are not in', async () => {
    const [ann, bob, eve] = [t.user(), t.user(), t.user()];
    const room = (await direct(ann, bob).expect(201)).body as { id: string };
    await block(ann, eve.id).expect(200);
    await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(eve.auth).send({ body: 'hi' }).expect(404);
  });

  it('hides the blocker’s presence from the blocked user (GET /presence and presence events); the blocker still sees theirs', async () => {
    const [ann, bob, cat] = [t.user(), t.user(), t.user()];
    const room = await group(ann, [bob, cat]);
    await block(ann, bob.id).expect(200);
    const seen = await t.http().get(`${BASE}/presence`).query({ userIds: `${ann.id},${cat.id}` }).set(bob.auth).expect(200);
    expect(seen.body.map((entry: { userId: string }) => entry.userId)).toEqual([cat.id]);
    const annSees = await t.http().get(`${BASE}/presence`).query({ userIds: bob.id }).set(ann.auth).expect(200);
    expect(annSees.body.map((entry: { userId: string }) => entry.userId)).toEqual([bob.id]);

    const [bobSocket, catSocket] = [await connectSocket(t.url, bob.token), await connectSocket(t.url, cat.token)];
    const bobHears = record(bobSocket, 'presence');
    const catHearsAnn = nextEvent(catSocket, 'presence', (event) => event.userId === ann.id && event.online);
    await connectSocket(t.url, ann.token);
    await catHearsAnn;
    // The sentinel: a message sent after Ann's presence went out to her audience reaches Bob after it would have.
    const sentinel = nextEvent(bobSocket, 'message.created', (event) => event.roomId === room.id);
    await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(cat.auth).send({ body: 'sentinel' }).expect(201);
    await sentinel;
    expect(bobHears.filter((event) => event.userId === ann.id)).toEqual([]);
  });

  it('caps the blocks of one user (409 beyond limits.maxBlocksPerUser); blocking again stays 200', async () => {
    const ann = t.user();
    const rows = Array.from({ length: 1000 }, (_, index) => ({ blocker_id: ann.id, blocked_id: `blocked-${index}` }));
    await t.app
      .get(DataSource)
      .query(`INSERT INTO chat_user_blocks (blocker_id, blocked_id) SELECT * FROM unnest($1::varchar[], $2::varchar[])`, [
        rows.map((row) => row.blocker_id),
        rows.map((row) => row.blocked_id),
      ]);
    const over = await block(ann, t.user().id).expect(409);
    expect(over.body.code).toBe('CONFLICT');
    await block(ann, 'blocked-7').expect(200);
  });
});
