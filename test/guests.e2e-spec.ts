import { existsSync } from 'node:fs';
import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import { loadConfig } from '../src/config/app-config';
import { SERVER_MAIN, ServerNode, TestRedis, freePort } from './support/processes';
import { ask, closeSockets, connectSocket, nextEvent, record } from './support/sockets';
import { DATABASES, TEST_JWT_SECRET, startTestApp, type TestApp, type TestUser } from './support/test-app';

const BASE = '/api/v1/chat';
const jwt = new JwtService({ secret: TEST_JWT_SECRET });

/**
 * Guests (API.md, "Guests"): principals marked `guest: true` (the standalone server's `POST /api/v1/auth/guest`, or
 * a JWT claim) take part only in public group rooms with `allowGuests`; everything else is 403 GUEST_NOT_ALLOWED.
 */
describe.each(DATABASES)('guests (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, { guestTokenTtlSeconds: 600 });
  });
  afterAll(async () => {
    closeSockets();
    await t?.close();
  });

  /** A guest by the JWT claim `guest: true`, as a host's identity provider would mint. */
  let guestCount = 0;
  const claimGuest = (name = 'Visitor'): TestUser => {
    const id = `g-${++guestCount}-${Math.random().toString(36).slice(2)}`;
    const token = jwt.sign({ sub: id, name, guest: true }, { expiresIn: 3600 });
    return { id, name, token, auth: { Authorization: `Bearer ${token}` } };
  };
  /** A guest of the standalone server's guest route. */
  const serverGuest = async (name: string): Promise<TestUser> => {
    const res = await t.http().post('/api/v1/auth/guest').send({ name }).expect(201);
    return { id: res.body.user.id, name: res.body.user.name, token: res.body.accessToken, auth: { Authorization: `Bearer ${res.body.accessToken}` } };
  };
  const group = async (owner: TestUser, options: { isPublic?: boolean; allowGuests?: boolean; members?: TestUser[] } = {}) => {
    const room = (
      await t
        .http()
        .post(`${BASE}/rooms`)
        .set(owner.auth)
        .send({ type: 'group', title: 'Lobby', isPublic: options.isPublic ?? false, memberIds: (options.members ?? []).map((m) => m.id) })
        .expect(201)
    ).body as { id: string };
    if (options.allowGuests) await t.http().patch(`${BASE}/rooms/${room.id}`).set(owner.auth).send({ allowGuests: true }).expect(200);
    return room;
  };
  const code = (res: { body: { code?: string } }) => res.body.code;

  describe('the standalone guest route', () => {
    it('issues a guest token for a name: a guest- id, the name as given, the claim guest and GUEST_TOKEN_TTL_SECONDS', async () => {
      const res = await t.http().post('/api/v1/auth/guest').send({ name: '  Zoë the visitor ' }).expect(201);
      expect(res.body).toEqual({ accessToken: expect.any(String), user: { id: expect.stringMatching(/^guest-[0-9a-f-]{36}$/), name: 'Zoë the visitor', guest: true } });
      const claims = jwt.decode(res.body.accessToken) as { sub: string; name: string; guest: boolean; iat: number; exp: number };
      expect(claims).toMatchObject({ sub: res.body.user.id, name: 'Zoë the visitor', guest: true });
      expect(claims.exp - claims.iat).toBe(600);
      const other = await t.http().post('/api/v1/auth/guest').send({ name: 'Zoë the visitor' }).expect(201);
      expect(other.body.user.id).not.toBe(res.body.user.id);
      // The token works on the chat routes, as a guest.
      const rooms = await t.http().get(`${BASE}/rooms`).set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
      expect(rooms.body.items).toEqual([]);
      const create = await t.http().post(`${BASE}/rooms`).set('Authorization', `Bearer ${res.body.accessToken}`).send({ type: 'group', title: 'x', memberIds: [] });
      expect([create.status, code(create)]).toEqual([403, 'GUEST_NOT_ALLOWED']);
    });

    it('refuses an empty or blank name, a control character and unknown fields (400)', async () => {
      for (const body of [{}, { name: '' }, { name: '   ' }, { name: 'a\u0000b' }, { name: 'Ann', password: 'x' }, { name: 'x'.repeat(201) }]) {
        const res = await t.http().post('/api/v1/auth/guest').send(body);
        expect([res.status, code(res)]).toEqual([400, 'INVALID_INPUT']);
      }
    });

    it('reads GUEST_TOKEN_TTL_SECONDS: a day by default, at most JWT_MAX_AGE_SECONDS', () => {
      expect(loadConfig({}).guestTokenTtlSeconds).toBe(86_400);
      expect(loadConfig({ GUEST_TOKEN_TTL_SECONDS: '120' }).guestTokenTtlSeconds).toBe(120);
      expect(loadConfig({ JWT_MAX_AGE_SECONDS: '3600' }).guestTokenTtlSeconds).toBe(3600);
      expect(() => loadConfig({ GUEST_TOKEN_TTL_SECONDS: 'soon' })).toThrow(/GUEST_TOKEN_TTL_SECONDS/);
      expect(() => loadConfig({ GUEST_TOKEN_TTL_SECONDS: '7200', JWT_MAX_AGE_SECONDS: '3600' })).toThrow(/GUEST_TOKEN_TTL_SECONDS/);
    });
  });

  describe('allowGuests', () => {
    it('is set by owner and admins on public group rooms only; making the room private turns it off', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await group(ann, { members: [bob] });
      const onPrivate = await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ allowGuests: true });
      expect([onPrivate.status, code(onPrivate)]).toEqual([400, 'INVALID_INPUT']);
      expect(onPrivate.body.message).toMatch(/public/);
      const both = await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ isPublic: true, allowGuests: true }).expect(200);
      expect(both.body).toMatchObject({ isPublic: true, allowGuests: true });
      await t.http().patch(`${BASE}/rooms/${room.id}`).set(bob.auth).send({ allowGuests: false }).expect(403);
      const priv = await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ isPublic: false }).expect(200);
      expect(priv.body).toMatchObject({ isPublic: false, allowGuests: false });
      const put = await t.http().put(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ title: 'Open', isPublic: true, allowGuests: true }).expect(200);
      expect(put.body).toMatchObject({ isPublic: true, allowGuests: true });
      // PUT without it returns it to its default.
      const reset = await t.http().put(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ title: 'Open', isPublic: true }).expect(200);
      expect(reset.body.allowGuests).toBe(false);
      await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ allowGuests: null }).expect(400);
    });

    it('turned off (or made private) removes the room’s guests: member.removed to everyone, then nothing more reaches them', async () => {
      const ann = t.user();
      const guest = claimGuest('Gus');
      const lobby = await group(ann, { isPublic: true, allowGuests: true });
      const hall = await group(ann, { isPublic: true, allowGuests: true });
      for (const room of [lobby, hall]) await t.http().post(`${BASE}/rooms/${room.id}/join`).set(guest.auth).expect(200);
      const [annSocket, guestSocket] = [await connectSocket(t.url, ann.token), await connectSocket(t.url, guest.token)];
      const guestMessages = record(guestSocket, 'message.created');
      const annSeesRemoval = nextEvent(annSocket, 'member.removed', (event) => event.roomId === lobby.id);
      const guestSeesRemoval = nextEvent(guestSocket, 'member.removed', (event) => event.roomId === lobby.id);
      const off = await t.http().patch(`${BASE}/rooms/${lobby.id}`).set(ann.auth).send({ allowGuests: false }).expect(200);
      expect(off.body).toMatchObject({ allowGuests: false, memberCount: 1 });
      expect((await annSeesRemoval).member).toMatchObject({ userId: guest.id, guest: true });
      await guestSeesRemoval;
      await t.http().get(`${BASE}/rooms/${lobby.id}/messages`).set(guest.auth).expect(404);
      await t.http().post(`${BASE}/rooms/${lobby.id}/messages`).set(ann.auth).send({ body: 'members only' }).expect(201);
      const sentinel = nextEvent(guestSocket, 'message.created', (event) => event.roomId === hall.id);
      await t.http().post(`${BASE}/rooms/${hall.id}/messages`).set(ann.auth).send({ body: 'sentinel' }).expect(201);
      await sentinel;
      expect(guestMessages.filter((event) => event.roomId === lobby.id)).toEqual([]);
      // Making a room private does the same.
      await t.http().patch(`${BASE}/rooms/${hall.id}`).set(ann.auth).send({ isPublic: false }).expect(200);
      const members = await t.http().get(`${BASE}/rooms/${hall.id}/members`).set(ann.auth).expect(200);
      expect(members.body.items.map((m: { userId: string }) => m.userId)).toEqual([ann.id]);
    });
  });

  describe('what guests may do', () => {
    it('lists only rooms that allow guests, joins them (not others), reads, sends, reacts, marks read, edits their own and leaves', async () => {
      const ann = t.user('Ann');
      const guest = await serverGuest('Guest Gwen');
      const open = await group(ann, { isPublic: true, allowGuests: true });
      const closed = await group(ann, { isPublic: true });
      const publicIds = (await t.http().get(`${BASE}/rooms`).query({ scope: 'public', limit: 100 }).set(guest.auth).expect(200)).body.items.map(
        (room: { id: string; allowGuests: boolean }) => room.id,
      );
      expect(publicIds).toContain(open.id);
      expect(publicIds).not.toContain(closed.id);
      const everyone = (await t.http().get(`${BASE}/rooms`).query({ scope: 'public', limit: 100 }).set(ann.auth).expect(200)).body.items.map((room: { id: string }) => room.id);
      expect(everyone).toEqual(expect.arrayContaining([open.id, closed.id]));

      const refused = await t.http().post(`${BASE}/rooms/${closed.id}/join`).set(guest.auth);
      expect([refused.status, code(refused)]).toEqual([403, 'GUEST_NOT_ALLOWED']);
      await t.http().post(`${BASE}/rooms/${open.id}/join`).set(guest.auth).expect(200);
      const mine = (await t.http().get(`${BASE}/rooms`).set(guest.auth).expect(200)).body.items.map((room: { id: string }) => room.id);
      expect(mine).toEqual([open.id]);

      const hello = await t.http().post(`${BASE}/rooms/${open.id}/messages`).set(ann.auth).send({ body: 'welcome' }).expect(201);
      const sent = await t.http().post(`${BASE}/rooms/${open.id}/messages`).set(guest.auth).send({ body: 'hi!' }).expect(201);
      await t.http().get(`${BASE}/rooms/${open.id}/messages`).set(guest.auth).expect(200);
      await t.http().put(`${BASE}/rooms/${open.id}/messages/${hello.body.id}/reactions/${encodeURIComponent('👍')}`).set(guest.auth).expect(200);
      await t.http().post(`${BASE}/rooms/${open.id}/read`).set(guest.auth).send({ seq: hello.body.seq }).expect(200);
      await t.http().patch(`${BASE}/rooms/${open.id}/messages/${sent.body.id}`).set(guest.auth).send({ body: 'hi again' }).expect(200);

      const members = (await t.http().get(`${BASE}/rooms/${open.id}/members`).set(guest.auth).expect(200)).body.items as Array<{ userId: string; name: string; guest: boolean }>;
      expect(members.find((m) => m.userId === guest.id)).toMatchObject({ name: 'Guest Gwen', guest: true });
      expect(members.find((m) => m.userId === ann.id)).toMatchObject({ name: 'Ann', guest: false });

      const socket = await connectSocket(t.url, guest.token);
      expect(await ask(socket, 'message.send', { roomId: open.id, body: 'over the socket' })).toMatchObject({ ok: true });
      expect(await ask(socket, 'room.read', { roomId: open.id, seq: sent.body.seq })).toMatchObject({ ok: true });

      await t.http().post(`${BASE}/rooms/${open.id}/leave`).set(guest.auth).expect(204);
      await t.http().get(`${BASE}/rooms/${open.id}/messages`).set(guest.auth).expect(404);
    });

    it('answers 403 GUEST_NOT_ALLOWED to everything else', async () => {
      const ann = t.user();
      const guest = claimGuest();
      const room = await group(ann, { isPublic: true, allowGuests: true });
      await t.http().post(`${BASE}/rooms/${room.id}/join`).set(guest.auth).expect(200);
      const message = (await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: 'pin me' }).expect(201)).body as { id: string };
      const attempts: Array<[string, () => Promise<{ status: number; body: { code?: string } }>]> = [
        ['create a group room', () => t.http().post(`${BASE}/rooms`).set(guest.auth).send({ type: 'group', title: 'Mine', memberIds: [] })],
        ['open a direct room', () => t.http().post(`${BASE}/rooms`).set(guest.auth).send({ type: 'direct', memberIds: [ann.id] })],
        ['upload an image', () => t.http().post(`${BASE}/images`).set(guest.auth).attach('file', Buffer.from('not read'), 'a.png')],
        ['list images', () => t.http().get(`${BASE}/images`).set(guest.auth)],
        ['register a device', () => t.http().post(`${BASE}/devices`).set(guest.auth).send({ platform: 'fcm', token: 'abc' })],
        ['list devices', () => t.http().get(`${BASE}/devices`).set(guest.auth)],
        ['ask for presence', () => t.http().get(`${BASE}/presence`).query({ userIds: ann.id }).set(guest.auth)],
        ['block', () => t.http().put(`${BASE}/blocks/${ann.id}`).set(guest.auth)],
        ['list blocks', () => t.http().get(`${BASE}/blocks`).set(guest.auth)],
        ['search accounts', () => t.http().get('/api/v1/auth/users').query({ q: 'a' }).set(guest.auth)],
        ['edit the room', () => t.http().patch(`${BASE}/rooms/${room.id}`).set(guest.auth).send({ title: 'Mine now' })],
        ['add a member', () => t.http().post(`${BASE}/rooms/${room.id}/members`).set(guest.auth).send({ userId: t.user().id })],
        ['change a role', () => t.http().patch(`${BASE}/rooms/${room.id}/members/${ann.id}`).set(guest.auth).send({ role: 'member' })],
        ['pin', () => t.http().post(`${BASE}/rooms/${room.id}/messages/${message.id}/pin`).set(guest.auth)],
        ['mute', () => t.http().post(`${BASE}/rooms/${room.id}/mute`).set(guest.auth)],
      ];
      for (const [what, attempt] of attempts) {
        const res = await attempt();
        expect([what, res.status, res.body.code]).toEqual([what, 403, 'GUEST_NOT_ALLOWED']);
      }
      // A room they cannot see stays 404.
      const hidden = await group(ann);
      await t.http().get(`${BASE}/rooms/${hidden.id}`).set(guest.auth).expect(404);
    });

    it('cannot be added to rooms that do not allow guests, nor above plain member, nor into a direct room', async () => {
      const ann = t.user();
      const guest = claimGuest();
      await t.http().get(`${BASE}/rooms`).set(guest.auth).expect(200);
      const privateRoom = await group(ann);
      const refused = await t.http().post(`${BASE}/rooms/${privateRoom.id}/members`).set(ann.auth).send({ userId: guest.id });
      expect([refused.status, code(refused)]).toEqual([403, 'GUEST_NOT_ALLOWED']);
      const create = await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'group', title: 'x', memberIds: [guest.id] });
      expect([create.status, code(create)]).toEqual([403, 'GUEST_NOT_ALLOWED']);
      const direct = await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'direct', memberIds: [guest.id] });
      expect([direct.status, code(direct)]).toEqual([403, 'GUEST_NOT_ALLOWED']);
      const open = await group(ann, { isPublic: true, allowGuests: true });
      const asAdmin = await t.http().post(`${BASE}/rooms/${open.id}/members`).set(ann.auth).send({ userId: guest.id, role: 'admin' });
      expect([asAdmin.status, code(asAdmin)]).toEqual([403, 'GUEST_NOT_ALLOWED']);
      const added = await t.http().post(`${BASE}/rooms/${open.id}/members`).set(ann.auth).send({ userId: guest.id }).expect(201);
      expect(added.body).toMatchObject({ userId: guest.id, role: 'member', guest: true });
      const promote = await t.http().patch(`${BASE}/rooms/${open.id}/members/${guest.id}`).set(ann.auth).send({ role: 'admin' });
      expect([promote.status, code(promote)]).toEqual([403, 'GUEST_NOT_ALLOWED']);
    });

    it('treats a token without the guest claim (or with another value) as a full user', async () => {
      const id = `u-${Math.random().toString(36).slice(2)}`;
      const token = jwt.sign({ sub: id, name: 'Full', guest: 'yes' }, { expiresIn: 3600 });
      await t.http().post(`${BASE}/rooms`).set('Authorization', `Bearer ${token}`).send({ type: 'group', title: 'Mine', memberIds: [] }).expect(201);
    });
  });
});

/** Guests removed on one node leave the room on every node: two server processes sharing PostgreSQL and Redis. */
describe('guests removed across nodes', () => {
  let redis: TestRedis;
  let nodes: ServerNode[] = [];
  beforeAll(async () => {
    if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: run \`npm run build\` first`);
    redis = new TestRedis(await freePort());
    await redis.start();
    const env = { DATABASE_URL: process.env.PARLEY_TEST_DATABASE_URL as string, REDIS_URL: redis.url };
    nodes = await Promise.all([ServerNode.start(env), ServerNode.start(env)]);
  }, 90_000);
  afterAll(async () => {
    closeSockets();
    await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
    await redis?.stop();
  });

  it('unsubscribes the guest’s socket on the other node when the room stops accepting guests', async () => {
    const [a, b] = nodes.map((node) => request(node.url));
    const owner = { id: `u-${Math.random().toString(36).slice(2)}` };
    const ownerAuth = { Authorization: `Bearer ${jwt.sign({ sub: owner.id, name: 'Owner' }, { expiresIn: 3600 })}` };
    const guest = (await b.post('/api/v1/auth/guest').send({ name: 'Wanderer' }).expect(201)).body as { accessToken: string; user: { id: string } };
    const guestAuth = { Authorization: `Bearer ${guest.accessToken}` };
    const open = async (title: string) => {
      const room = (await a.post(`${BASE}/rooms`).set(ownerAuth).send({ type: 'group', title, isPublic: true, memberIds: [] }).expect(201)).body as { id: string };
      await a.patch(`${BASE}/rooms/${room.id}`).set(ownerAuth).send({ allowGuests: true }).expect(200);
      await b.post(`${BASE}/rooms/${room.id}/join`).set(guestAuth).expect(200);
      return room;
    };
    const [lobby, hall] = [await open('Lobby'), await open('Hall')];
    const socket = await connectSocket(nodes[1].url, guest.accessToken);
    const created = record(socket, 'message.created');
    const removed = nextEvent(socket, 'member.removed', (event) => event.roomId === lobby.id && event.member.userId === guest.user.id);
    await a.patch(`${BASE}/rooms/${lobby.id}`).set(ownerAuth).send({ allowGuests: false }).expect(200);
    await removed;
    await a.post(`${BASE}/rooms/${lobby.id}/messages`).set(ownerAuth).send({ body: 'after the guests left' }).expect(201);
    const sentinel = nextEvent(socket, 'message.created', (event) => event.roomId === hall.id);
    await a.post(`${BASE}/rooms/${hall.id}/messages`).set(ownerAuth).send({ body: 'sentinel' }).expect(201);
    await sentinel;
    expect(created.filter((event) => event.roomId === lobby.id)).toEqual([]);
  });
});
