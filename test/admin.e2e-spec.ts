import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JwtService } from '@nestjs/jwt';
import { ChatEventBus, type ChatEvent } from '@parley/chat';
import { DataSource } from 'typeorm';
import { CHAT_STORAGE_DRIVER, type ChatStorageDriver } from '../libs/chat/src/images/storage/chat-storage-driver';
import { BASE, chatClient } from './support/chat-client';
import { pngImage } from './support/image-fixtures';
import { closeSockets, connectSocket, eventually, nextEvent } from './support/sockets';
import { DATABASES, TEST_JWT_SECRET, startTestApp, type TestApp, type TestUser } from './support/test-app';

const jwt = new JwtService({ secret: TEST_JWT_SECRET });
/** Unique per run: the PostgreSQL database (and its accounts) is shared by every spec of a run. */
const ADMIN_USERNAME = `Chief-${randomUUID().slice(0, 8)}`;

/** A user whose token carries the `chatAdmin: true` claim. */
function adminUser(name = 'Admin'): TestUser {
  const id = `admin-${randomUUID()}`;
  const token = jwt.sign({ sub: id, name, chatAdmin: true }, { expiresIn: 3600 });
  return { id, name, token, auth: { Authorization: `Bearer ${token}` } };
}

/** Every administration route (method, path with placeholders filled, body). */
const ROUTES = (ids: { roomId: string; messageId: string; userId: string }) =>
  [
    ['get', `/admin/rooms?q=x`, undefined],
    ['get', `/admin/rooms/${ids.roomId}`, undefined],
    ['delete', `/admin/rooms/${ids.roomId}`, undefined],
    ['delete', `/admin/messages/${ids.messageId}`, undefined],
    ['put', `/admin/users/${ids.userId}/ban`, { reason: 'spam', unknownField: 1 }],
    ['delete', `/admin/users/${ids.userId}/ban`, undefined],
    ['get', `/admin/users/${ids.userId}/export`, undefined],
    ['delete', `/admin/users/${ids.userId}`, undefined],
    ['get', `/admin/audit`, undefined],
  ] as const;

describe.each(DATABASES)('administration (%s)', (kind) => {
  let t: TestApp;
  let db: DataSource;
  let chat: ReturnType<typeof chatClient>;
  const published: ChatEvent[] = [];

  beforeAll(async () => {
    // Deleted content is retained by option here: erasure must remove it all the same.
    t = await startTestApp(kind, { retainDeletedMessages: true, adminUsernames: [ADMIN_USERNAME] });
    db = t.app.get(DataSource);
    chat = chatClient(t);
    t.app.get(ChatEventBus).onAny((event) => published.push(event));
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await t?.close();
  });

  /** The administrator's own audit entries, newest first (other specs write entries to the same database meanwhile). */
  const auditOf = async (admin: TestUser) =>
    ((await t.http().get(`${BASE}/admin/audit?limit=100`).set(admin.auth).expect(200)).body.items as Array<{ actorId: string; action: string; target: { id: string } }>).filter(
      (entry) => entry.actorId === admin.id,
    );

  const api = (user: TestUser) => ({
    get: (path: string) => t.http().get(`${BASE}${path}`).set(user.auth),
    put: (path: string, body: object = {}) => t.http().put(`${BASE}${path}`).set(user.auth).send(body),
    delete: (path: string) => t.http().delete(`${BASE}${path}`).set(user.auth),
  });

  it('answers everybody who is not an administrator with the 404 of a route that does not exist, on every admin route', async () => {
    const [ann, bob] = [t.user('Ann'), t.user('Bob')];
    const room = await chat.group(ann, [bob]);
    const message = await chat.send(ann, room.id, 'hello');
    const missing = await t.http().get(`${BASE}/admin/no-such-route`).set(ann.auth).expect(404);
    expect(missing.body).toEqual({ statusCode: 404, error: 'Not Found', message: `Cannot GET ${BASE}/admin/no-such-route`, code: 'NOT_FOUND' });
    for (const caller of [ann, bob]) {
      for (const [method, path, body] of ROUTES({ roomId: room.id, messageId: message.id, userId: bob.id })) {
        const request = t.http()[method](`${BASE}${path}`).set(caller.auth);
        const res = await (body ? request.send(body) : request);
        expect({ route: `${method} ${path}`, status: res.status, body: res.body }).toEqual({
          route: `${method} ${path}`,
          status: 404,
          body: { statusCode: 404, error: 'Not Found', message: `Cannot ${method.toUpperCase()} ${BASE}${path}`, code: 'NOT_FOUND' },
        });
      }
    }
    // Nothing was done: the room, its message and bob are as they were.
    expect((await chat.room(bob, room.id)).lastMessage.body).toBe('hello');
    await t.http().get(`${BASE}/admin/audit`).expect(401);
  });

  it('lists every room whatever its visibility, filters titles without regard to case, shows any room', async () => {
    const admin = adminUser();
    const [ann, bob] = [t.user(), t.user()];
    const marker = randomUUID().slice(0, 8);
    const secret = await chat.group(ann, [bob], { title: `Secret ${marker} Plans` });
    const open = await chat.group(bob, [], { title: `Open ${marker}`, isPublic: true });
    const direct = (await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'direct', memberIds: [bob.id] }).expect(201)).body as { id: string };
    const found = await chat.all<{ id: string }>(admin, `${BASE}/admin/rooms`, { q: marker.toUpperCase(), limit: 1 });
    expect(found.map((room) => room.id).sort()).toEqual([secret.id, open.id].sort());
    const plans = await api(admin).get(`/admin/rooms?q=${encodeURIComponent(`${marker} plans`)}`).expect(200);
    expect(plans.body.items.map((room: { id: string }) => room.id)).toEqual([secret.id]);
    const everything = await chat.all<{ id: string }>(admin, `${BASE}/admin/rooms`, { limit: 100 });
    expect(everything.map((room) => room.id)).toEqual(expect.arrayContaining([secret.id, open.id, direct.id]));
    const view = await api(admin).get(`/admin/rooms/${secret.id.toUpperCase()}`).expect(200);
    expect(view.body).toMatchObject({ id: secret.id, title: `Secret ${marker} Plans`, isPublic: false, memberCount: 2, me: null });
    await api(admin).get(`/admin/rooms/${randomUUID()}`).expect(404);
    await api(admin).get(`/admin/rooms?q=%00`).expect(400);
    await api(admin).get(`/admin/rooms?limit=0`).expect(400);
  });

  it('deletes any room as its owner would: room.deleted reaches the members, who lose it; audited', async () => {
    const admin = adminUser();
    const [ann, bob] = [t.user(), t.user()];
    const room = await chat.group(ann, [bob]);
    const direct = (await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'direct', memberIds: [bob.id] }).expect(201)).body as { id: string };
    const bobSocket = await connectSocket(t.url, bob.token);
    const deleted = nextEvent(bobSocket, 'room.deleted', (event) => event.roomId === room.id);
    await api(admin).delete(`/admin/rooms/${room.id}`).expect(204);
    await deleted;
    await t.http().get(`${BASE}/rooms/${room.id}`).set(ann.auth).expect(404);
    await api(admin).delete(`/admin/rooms/${room.id}`).expect(404);
    await api(admin).delete(`/admin/rooms/${direct.id}`).expect(204);
    await t.http().get(`${BASE}/rooms/${direct.id}`).set(bob.auth).expect(404);
    expect(await auditOf(admin)).toEqual([
      expect.objectContaining({ actorId: admin.id, action: 'admin.room.deleted', target: { type: 'room', id: direct.id, roomId: direct.id } }),
      expect.objectContaining({ actorId: admin.id, action: 'admin.room.deleted', target: { type: 'room', id: room.id, roomId: room.id } }),
    ]);
  });

  it('deletes any message as a tombstone: message.deleted with the next version; audited', async () => {
    const admin = adminUser();
    const [ann, bob] = [t.user(), t.user()];
    const room = await chat.group(ann, [bob]);
    const message = await chat.send(bob, room.id, 'something awful');
    const annSocket = await connectSocket(t.url, ann.token);
    const deleted = nextEvent(annSocket, 'message.deleted');
    await api(admin).delete(`/admin/messages/${message.id.toUpperCase()}`).expect(204);
    expect(await deleted).toEqual({ roomId: room.id, version: message.version + 1, messageId: message.id });
    const shown = await t.http().get(`${BASE}/rooms/${room.id}/messages/${message.id}`).set(ann.auth).expect(200);
    expect(shown.body).toMatchObject({ body: '', deletedAt: expect.any(String) });
    await api(admin).delete(`/admin/messages/${message.id}`).expect(204);
    await api(admin).delete(`/admin/messages/${randomUUID()}`).expect(404);
    await api(admin).delete(`/admin/messages/not-a-uuid`).expect(404);
    const entries = await auditOf(admin);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ actorId: admin.id, action: 'admin.message.deleted', target: { type: 'message', id: message.id, roomId: room.id }, details: { senderId: bob.id } });
  });

  it('bans a user from the server: every request 403 USER_BANNED, sockets cut, new ones refused; unban restores', async () => {
    const admin = adminUser();
    const [ann, bob] = [t.user(), t.user()];
    const room = await chat.group(ann, [bob]);
    const bobSocket = await connectSocket(t.url, bob.token);
    const disconnected = new Promise<string>((resolve) => bobSocket.once('disconnect', (reason) => resolve(reason)));
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const ban = await api(admin).put(`/admin/users/${bob.id}/ban`, { reason: 'spam', until }).expect(200);
    expect(ban.body).toEqual({ userId: bob.id, reason: 'spam', until, createdAt: expect.any(String), createdBy: admin.id });
    expect(await disconnected).toBe('io server disconnect');
    const refused = await t.http().get(`${BASE}/rooms`).set(bob.auth).expect(403);
    expect(refused.body).toMatchObject({ code: 'USER_BANNED', message: expect.stringContaining(until) });
    await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(bob.auth).send({ body: 'let me in' }).expect(403);
    await expect(connectSocket(t.url, bob.token)).rejects.toThrow(/banned/);
    // Others are not affected.
    await chat.send(ann, room.id, 'still here');
    expect(published).toEqual(expect.arrayContaining([{ name: 'user.banned', payload: ban.body }]));

    // Banning again replaces the ban.
    const forever = await api(admin).put(`/admin/users/${bob.id}/ban`, {}).expect(200);
    expect(forever.body).toMatchObject({ reason: null, until: null });
    await api(admin).put(`/admin/users/${bob.id}/ban`, { until: new Date(Date.now() - 1000).toISOString() }).expect(400);
    await api(admin).put(`/admin/users/${bob.id}/ban`, { until: 'tomorrow' }).expect(400);
    await api(admin).put(`/admin/users/${bob.id}/ban`, { extra: true }).expect(400);
    await api(admin).put(`/admin/users/${admin.id}/ban`, {}).expect(409);

    await api(admin).delete(`/admin/users/${bob.id}/ban`).expect(204);
    await t.http().get(`${BASE}/rooms`).set(bob.auth).expect(200);
    await connectSocket(t.url, bob.token);
    await api(admin).delete(`/admin/users/${bob.id}/ban`).expect(404).expect((res) => expect(res.body.code).toBe('BAN_NOT_FOUND'));
    expect(published).toEqual(expect.arrayContaining([{ name: 'user.unbanned', payload: { userId: bob.id, removedBy: admin.id } }]));
    expect((await auditOf(admin)).map((entry) => [entry.action, entry.target.id])).toEqual([
      ['user.unbanned', bob.id],
      ['user.banned', bob.id],
      ['user.banned', bob.id],
    ]);
  });

  it('exports everything stored about a user, deleted content where it is retained, devices without their tokens', async () => {
    const admin = adminUser();
    const [ann, bob] = [t.user('Ann'), t.user('Bob')];
    const room = await chat.group(ann, [bob], { title: 'Export room' });
    const image = (await t.http().post(`${BASE}/images`).set(ann.auth).attach('file', await pngImage(), 'a.png').expect(201)).body as { id: string };
    const first = await chat.send(ann, room.id, 'first draft', { imageIds: [image.id] });
    await t.http().patch(`${BASE}/rooms/${room.id}/messages/${first.id}`).set(ann.auth).send({ body: 'final words' }).expect(200);
    const gone = await chat.send(ann, room.id, 'regrettable');
    await t.http().delete(`${BASE}/rooms/${room.id}/messages/${gone.id}`).set(ann.auth).expect(204);
    const bobs = await chat.send(bob, room.id, 'from bob');
    await t.http().put(`${BASE}/rooms/${room.id}/messages/${bobs.id}/reactions/${encodeURIComponent('👍')}`).set(ann.auth).expect(200);
    const pushToken = `fcm-${randomUUID()}`;
    await t.http().post(`${BASE}/devices`).set(ann.auth).send({ platform: 'fcm', token: pushToken }).expect(201);

    const res = await api(admin).get(`/admin/users/${ann.id}/export`).expect(200);
    const data = res.body;
    expect(JSON.stringify(data)).not.toContain(pushToken);
    expect(data).toMatchObject({ userId: ann.id, profile: { id: ann.id, name: 'Ann' }, serverBan: null });
    expect(data.memberships).toEqual([expect.objectContaining({ roomId: room.id, roomType: 'group', roomTitle: 'Export room', role: 'owner' })]);
    expect(data.messages).toEqual([
      expect.objectContaining({ id: first.id, body: 'final words', imageIds: [image.id], edits: [expect.objectContaining({ body: 'first draft' })], deletedAt: null }),
      // Deleted, retained by option: the export shows what is stored.
      expect.objectContaining({ id: gone.id, body: 'regrettable', deletedAt: expect.any(String) }),
    ]);
    expect(data.reactions).toEqual([expect.objectContaining({ messageId: bobs.id, roomId: room.id, emoji: '👍' })]);
    expect(data.images).toEqual([expect.objectContaining({ id: image.id, uploaderId: ann.id, mimeType: 'image/png' })]);
    expect(data.devices).toEqual([{ id: expect.any(String), platform: 'fcm', createdAt: expect.any(String), lastUsedAt: null }]);
    await api(admin).get(`/admin/users/nobody-${randomUUID()}/export`).expect(404).expect((r) => expect(r.body.code).toBe('USER_NOT_FOUND'));
    expect(await auditOf(admin)).toEqual([expect.objectContaining({ action: 'user.exported', target: { type: 'user', id: ann.id, roomId: null } })]);
  });

  it('erases a user: content gone even where retained, uploads with their files, devices, memberships; rooms handed over', async () => {
    const admin = adminUser();
    const [ann, bob, cat] = [t.user('Ann'), t.user('Bob'), t.user('Cat')];
    const shared = await chat.group(ann, [bob, cat], { title: 'Shared' });
    await t.http().patch(`${BASE}/rooms/${shared.id}/members/${cat.id}`).set(ann.auth).send({ role: 'admin' }).expect(200);
    const alone = await chat.group(ann, [], { title: 'Alone' });
    const image = (await t.http().post(`${BASE}/images`).set(ann.auth).attach('file', await pngImage(), 'a.png').expect(201)).body as { id: string };
    const live = await chat.send(ann, shared.id, 'draft', { imageIds: [image.id] });
    await t.http().patch(`${BASE}/rooms/${shared.id}/messages/${live.id}`).set(ann.auth).send({ body: 'personal' }).expect(200);
    const retained = await chat.send(ann, shared.id, 'deleted but retained');
    await t.http().delete(`${BASE}/rooms/${shared.id}/messages/${retained.id}`).set(ann.auth).expect(204);
    const bobs = await chat.send(bob, shared.id, 'from bob');
    await t.http().put(`${BASE}/rooms/${shared.id}/messages/${bobs.id}/reactions/${encodeURIComponent('👍')}`).set(ann.auth).expect(200);
    await t.http().post(`${BASE}/devices`).set(ann.auth).send({ platform: 'fcm', token: `fcm-${randomUUID()}` }).expect(201);
    const [{ file_key: fileKey }] = (await db.query(`SELECT file_key FROM chat_images WHERE id = $1`, [image.id])) as Array<{ file_key: string }>;
    const storage = t.app.get<ChatStorageDriver>(CHAT_STORAGE_DRIVER);
    expect(await storage.get(fileKey)).not.toBeNull();

    const bobSocket = await connectSocket(t.url, bob.token);
    const events: Array<[string, unknown]> = [];
    for (const name of ['message.deleted', 'message.updated', 'member.updated', 'member.removed'] as const) {
      bobSocket.on(name, (payload: unknown) => events.push([name, payload]));
    }
    await api(admin).delete(`/admin/users/${ann.id}`).expect(204);

    await eventually(() => expect(events.map(([name]) => name)).toEqual(['message.deleted', 'message.updated', 'member.updated', 'member.removed']));
    expect(events[0][1]).toMatchObject({ roomId: shared.id, messageId: live.id });
    expect(events[2][1]).toMatchObject({ roomId: shared.id, member: { userId: cat.id, role: 'owner' } });
    expect(events[3][1]).toMatchObject({ roomId: shared.id, member: { userId: ann.id } });
    const versions = events.map(([, payload]) => (payload as { version: number }).version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));

    // Nothing of ann's content is left in the database, the retained tombstone included.
    const stored = (await db.query(`SELECT id, body, mentions, deleted_at FROM chat_messages WHERE sender_id = $1 ORDER BY seq`, [ann.id])) as Array<{ id: string; body: string; deleted_at: Date | null }>;
    expect(stored.map((row) => [row.id, row.body, row.deleted_at !== null])).toEqual([
      [live.id, '', true],
      [retained.id, '', true],
    ]);
    expect(await db.query(`SELECT 1 FROM chat_message_edits WHERE message_id = ANY($1::uuid[])`, [[live.id, retained.id]])).toEqual([]);
    for (const table of ['chat_images WHERE uploader_id', 'chat_devices WHERE user_id', 'chat_room_members WHERE user_id', 'chat_message_reactions WHERE user_id', 'chat_users WHERE id']) {
      expect({ table, rows: await db.query(`SELECT 1 FROM ${table} = $1`, [ann.id]) }).toEqual({ table, rows: [] });
    }
    expect(await storage.get(fileKey)).toBeNull();
    // Cat owns the shared room now; the room nobody else was in is gone.
    expect((await chat.room(cat, shared.id)).me.role).toBe('owner');
    expect((await chat.room(bob, shared.id)).memberCount).toBe(2);
    await api(admin).get(`/admin/rooms/${alone.id}`).expect(404);
    const history = await chat.all<{ id: string; body: string }>(bob, `${BASE}/rooms/${shared.id}/messages`);
    expect(history.find((message) => message.id === live.id)).toMatchObject({ body: '', images: [] });
    expect(history.find((message) => message.id === bobs.id)).toMatchObject({ reactions: [] });

    const [entry] = await auditOf(admin);
    expect(entry).toMatchObject({ actorId: admin.id, action: 'user.erased', target: { type: 'user', id: ann.id }, details: { messages: 2, images: 1, devices: 1, roomsDeleted: 1 } });
    // What remains is the tombstones, which keep the room's history gapless.
    const remains = (await api(admin).get(`/admin/users/${ann.id}/export`).expect(200)).body;
    expect(remains).toMatchObject({ profile: null, memberships: [], reactions: [], images: [], devices: [], serverBan: null });
    expect(remains.messages.map((message: { body: string; edits: unknown[]; imageIds: unknown[]; mentions: unknown[] }) => [message.body, message.edits, message.imageIds, message.mentions])).toEqual([
      ['', [], [], []],
      ['', [], [], []],
    ]);
    // Erasing again changes nothing (an interrupted erasure is completed this way).
    await api(admin).delete(`/admin/users/${ann.id}`).expect(204);
    await api(admin).delete(`/admin/users/nobody-${randomUUID()}`).expect(404);
  });

  it('pages the audit log newest first', async () => {
    const admin = adminUser();
    const targets = [t.user(), t.user(), t.user()];
    for (const target of targets) await api(admin).put(`/admin/users/${target.id}/ban`, {}).expect(200);
    // Small pages, followed until the three entries are found (other specs may write entries in between).
    const mine: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100 && mine.length < 3; page += 1) {
      const res: { body: { items: Array<{ actorId: string }>; nextCursor: string | null } } = await api(admin).get(`/admin/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      mine.push(...res.body.items.filter((entry: { actorId: string }) => entry.actorId === admin.id));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(mine.map((entry) => (entry.target as { id: string }).id)).toEqual(targets.map((target) => target.id).reverse());
    expect(mine[0]).toEqual({ id: expect.any(String), actorId: admin.id, action: 'user.banned', target: { type: 'user', id: targets[2].id, roomId: null }, createdAt: expect.any(String), details: { reason: null, until: null } });
    await api(admin).get('/admin/audit?limit=101').expect(400);
  });

  it('makes the local accounts named in ADMIN_USERNAMES administrators, looked up at each request', async () => {
    const register = async (username: string) =>
      (await t.http().post('/api/v1/auth/register').send({ username, password: 'correct horse battery' }).expect(201)).body as { accessToken: string; user: { id: string } };
    // Usernames are compared without regard to case.
    const chief = await register(ADMIN_USERNAME.toLowerCase());
    const other = await register(`someone-${randomUUID().slice(0, 8)}`);
    await t.http().get(`${BASE}/admin/audit`).set({ Authorization: `Bearer ${chief.accessToken}` }).expect(200);
    await t.http().get(`${BASE}/admin/audit`).set({ Authorization: `Bearer ${other.accessToken}` }).expect(404);
    // A token naming the administrator's username but not their account's id is nobody's administrator token.
    const impostor = jwt.sign({ sub: `not-an-account`, name: ADMIN_USERNAME }, { expiresIn: 3600 });
    await t.http().get(`${BASE}/admin/audit`).set({ Authorization: `Bearer ${impostor}` }).expect(404);
  });
});

describe('administration webhooks (postgres)', () => {
  let t: TestApp;
  let receiver: Server;
  const received: Array<{ type: string; data: Record<string, unknown> }> = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString()) as { type: string; data: Record<string, unknown> });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    t = await startTestApp('postgres', { notifications: { webhook: { url: `http://127.0.0.1:${port}/hooks`, secret: 'admin-webhook-secret', events: ['user.banned', 'user.unbanned'] } } });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  });

  it('delivers user.banned and user.unbanned to the webhook', async () => {
    const admin = adminUser();
    const bob = t.user();
    const ban = await t.http().put(`${BASE}/admin/users/${bob.id}/ban`).set(admin.auth).send({ reason: 'spam' }).expect(200);
    await t.http().delete(`${BASE}/admin/users/${bob.id}/ban`).set(admin.auth).expect(204);
    await eventually(() => {
      expect(received.filter((event) => event.data.userId === bob.id)).toEqual([
        expect.objectContaining({ type: 'user.banned', data: ban.body }),
        expect.objectContaining({ type: 'user.unbanned', data: { userId: bob.id, removedBy: admin.id } }),
      ]);
    }, 20_000);
  });
});
