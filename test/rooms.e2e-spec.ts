import { DATABASES, startTestApp, type TestApp, type TestUser } from './support/test-app';

const BASE = '/api/v1/chat';

describe.each(DATABASES)('rooms (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  const createGroup = async (owner: TestUser, members: TestUser[] = [], extra: Record<string, unknown> = {}) => {
    const res = await t
      .http()
      .post(`${BASE}/rooms`)
      .set(owner.auth)
      .send({ type: 'group', title: 'Team', memberIds: members.map((m) => m.id), ...extra })
      .expect(201);
    return res.body as { id: string; version: number };
  };

  describe('authentication', () => {
    it('refuses requests without a valid bearer token', async () => {
      await t.http().get(`${BASE}/rooms`).expect(401);
      await t.http().get(`${BASE}/rooms`).set('Authorization', 'Bearer not-a-jwt').expect(401);
      await t.http().get(`${BASE}/rooms`).set('Authorization', 'Basic abc').expect(401);
      const res = await t.http().get(`${BASE}/rooms`).set('Authorization', 'Bearer x.y.z').expect(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(typeof res.body.message).toBe('string');
    });
  });

  describe('creating group rooms', () => {
    it('makes the creator the owner and the others members', async () => {
      const [ann, bob, cat] = [t.user('Ann'), t.user('Bob'), t.user('Cat')];
      const res: import('supertest').Response = await t
        .http()
        .post(`${BASE}/rooms`)
        .set(ann.auth)
        .send({ type: 'group', title: '  Launch  ', description: 'Plans', memberIds: [bob.id, cat.id, ann.id, bob.id] })
        .expect(201);
      expect(res.body).toMatchObject({
        type: 'group',
        title: 'Launch',
        description: 'Plans',
        isPublic: false,
        imageId: null,
        creatorId: ann.id,
        memberCount: 3,
        // The room's creation is its first message (a system message, which counts as unread for nobody).
        lastSeq: 1,
        lastMessage: { seq: 1, type: 'system', senderId: null, body: 'Ann created the room “Launch”', system: { event: 'room.created', actorId: ann.id, targetId: null } },
        allowGuests: false,
        me: { role: 'owner', muted: false, notifications: { level: 'all', mutedUntil: null }, lastReadSeq: 0, unreadCount: 0, unreadMentionCount: 0 },
      });
      expect(res.body.version).toBeGreaterThanOrEqual(1);
      expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
      expect(res.body.lastMessageAt).toBe(res.body.lastMessage.createdAt);
      const members = await t.http().get(`${BASE}/rooms/${res.body.id}/members`).set(bob.auth).expect(200);
      const roles = Object.fromEntries(members.body.items.map((m: { userId: string; role: string }) => [m.userId, m.role]));
      expect(roles).toEqual({ [ann.id]: 'owner', [bob.id]: 'member', [cat.id]: 'member' });
      expect(members.body.nextCursor).toBeNull();
      const bobsView = await t.http().get(`${BASE}/rooms/${res.body.id}`).set(bob.auth).expect(200);
      expect(bobsView.body.me.role).toBe('member');
    });

    it('rejects bad input with 400 and a message, storing nothing', async () => {
      const ann = t.user();
      const bad: unknown[] = [
        { type: 'channel', memberIds: [] },
        { type: 'group' },
        { type: 'group', memberIds: 'bob' },
        { type: 'group', memberIds: [42] },
        { type: 'group', memberIds: [''] },
        { type: 'group', title: 'x'.repeat(201), memberIds: [] },
        { type: 'group', isPublic: 'yes', memberIds: [] },
        { type: 'group', memberIds: [], senderId: 'me' },
        { type: 'group', memberIds: [], creatorId: 'someone' },
      ];
      for (const body of bad) {
        const res = await t.http().post(`${BASE}/rooms`).set(ann.auth).send(body as object);
        expect(res.status).toBe(400);
        expect(res.body.statusCode).toBe(400);
        expect(res.body.message).toBeTruthy();
      }
      const unknown = await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'group', memberIds: [], color: 'red' }).expect(400);
      expect(JSON.stringify(unknown.body.message)).toContain('color');
      const list = await t.http().get(`${BASE}/rooms`).set(ann.auth).expect(200);
      expect(list.body.items).toEqual([]);
    });

    it('answers malformed JSON with 400', async () => {
      const ann = t.user();
      const res = await t.http().post(`${BASE}/rooms`).set(ann.auth).set('Content-Type', 'application/json').send('{"type": "group",').expect(400);
      expect(res.body.statusCode).toBe(400);
    });
  });

  describe('direct rooms', () => {
    it('creates one room per pair and returns it again with 200', async () => {
      const [ann, bob] = [t.user('Ann'), t.user('Bob')];
      // Names come from each user's own token: Bob's is known once Bob has used the API.
      await t.http().get(`${BASE}/rooms`).set(bob.auth).expect(200);
      const first = await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'direct', memberIds: [bob.id] }).expect(201);
      expect(first.body).toMatchObject({ type: 'direct', title: 'Bob', memberCount: 2, isPublic: false, me: { role: 'member' } });
      const again = await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'direct', memberIds: [bob.id, ann.id] }).expect(200);
      expect(again.body.id).toBe(first.body.id);
      const fromBob = await t.http().post(`${BASE}/rooms`).set(bob.auth).send({ type: 'direct', memberIds: [ann.id] }).expect(200);
      expect(fromBob.body).toMatchObject({ id: first.body.id, title: 'Ann' });
    });

    it('refuses a direct room with yourself or with three people', async () => {
      const [ann, bob, cat] = [t.user(), t.user(), t.user()];
      await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'direct', memberIds: [ann.id] }).expect(400);
      await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'direct', memberIds: [] }).expect(400);
      await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'direct', memberIds: [bob.id, cat.id] }).expect(400);
      await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'direct', memberIds: [bob.id], isPublic: true }).expect(400);
      const list = await t.http().get(`${BASE}/rooms`).set(ann.auth).expect(200);
      expect(list.body.items).toEqual([]);
    });

    it('gives one room when both sides create it at the same moment', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          t
            .http()
            .post(`${BASE}/rooms`)
            .set((i % 2 ? ann : bob).auth)
            .send({ type: 'direct', memberIds: [(i % 2 ? bob : ann).id] }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
      const list = await t.http().get(`${BASE}/rooms`).set(ann.auth).expect(200);
      expect(list.body.items).toHaveLength(1);
    });

    it('allows nobody to be added, removed, or to leave, and cannot be edited or deleted', async () => {
      const [ann, bob, cat] = [t.user(), t.user(), t.user()];
      const room = (await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'direct', memberIds: [bob.id] }).expect(201)).body;
      await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: cat.id }).expect(403);
      await t.http().delete(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(ann.auth).expect(403);
      await t.http().delete(`${BASE}/rooms/${room.id}/members/${ann.id}`).set(ann.auth).expect(403);
      await t.http().post(`${BASE}/rooms/${room.id}/leave`).set(ann.auth).expect(403);
      await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ title: 'x' }).expect(403);
      await t.http().delete(`${BASE}/rooms/${room.id}`).set(ann.auth).expect(403);
      const after = await t.http().get(`${BASE}/rooms/${room.id}`).set(bob.auth).expect(200);
      expect(after.body.memberCount).toBe(2);
    });
  });

  describe('listing', () => {
    it('lists my rooms by last activity, newest first, with cursors', async () => {
      const ann = t.user();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await createGroup(ann, [], { title: `Room ${i}` })).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: import('supertest').Response = await t
          .http()
          .get(`${BASE}/rooms`)
          .query(cursor ? { limit: 2, cursor } : { limit: 2 })
          .set(ann.auth)
          .expect(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((r: { id: string }) => r.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
    });

    it('validates limit and cursor', async () => {
      const ann = t.user();
      await t.http().get(`${BASE}/rooms?limit=0`).set(ann.auth).expect(400);
      await t.http().get(`${BASE}/rooms?limit=101`).set(ann.auth).expect(400);
      await t.http().get(`${BASE}/rooms?limit=abc`).set(ann.auth).expect(400);
      await t.http().get(`${BASE}/rooms?cursor=garbage`).set(ann.auth).expect(400);
      await t.http().get(`${BASE}/rooms?scope=everything`).set(ann.auth).expect(400);
      await t.http().get(`${BASE}/rooms?limit=100`).set(ann.auth).expect(200);
    });

    it('lists public rooms for anybody, with me only where a member', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const open = await createGroup(ann, [], { isPublic: true, title: 'Open' });
      const closed = await createGroup(ann, [], { title: 'Closed' });
      const res = await t.http().get(`${BASE}/rooms?scope=public&limit=100`).set(bob.auth).expect(200);
      const ids = res.body.items.map((r: { id: string }) => r.id);
      expect(ids).toContain(open.id);
      expect(ids).not.toContain(closed.id);
      expect(res.body.items.find((r: { id: string }) => r.id === open.id).me).toBeNull();
      const mine = await t.http().get(`${BASE}/rooms`).set(bob.auth).expect(200);
      expect(mine.body.items).toEqual([]);
    });
  });

  describe('editing and deleting', () => {
    it('lets owner and admins PATCH and PUT, bumping the version', async () => {
      const [ann, bob, cat] = [t.user(), t.user(), t.user()];
      const room = await createGroup(ann, [bob, cat]);
      const patched = await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ description: 'New' }).expect(200);
      expect(patched.body).toMatchObject({ title: 'Team', description: 'New', version: room.version + 1 });
      await t.http().patch(`${BASE}/rooms/${room.id}`).set(bob.auth).send({ title: 'Mine' }).expect(403);
      await t.http().patch(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(ann.auth).send({ role: 'admin' }).expect(200);
      const put = await t.http().put(`${BASE}/rooms/${room.id}`).set(bob.auth).send({ title: 'Replaced', isPublic: true }).expect(200);
      expect(put.body).toMatchObject({ title: 'Replaced', description: '', isPublic: true });
      await t.http().put(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ description: 'no title' }).expect(400);
      await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ type: 'direct' }).expect(400);
      await t.http().patch(`${BASE}/rooms/${room.id}`).set(cat.auth).send({ title: 'x' }).expect(403);
    });

    it('lets only the owner delete', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await createGroup(ann, [bob]);
      await t.http().patch(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(ann.auth).send({ role: 'admin' }).expect(200);
      await t.http().delete(`${BASE}/rooms/${room.id}`).set(bob.auth).expect(403);
      await t.http().delete(`${BASE}/rooms/${room.id}`).set(ann.auth).expect(204);
      await t.http().get(`${BASE}/rooms/${room.id}`).set(ann.auth).expect(404);
      await t.http().get(`${BASE}/rooms/${room.id}/members`).set(bob.auth).expect(404);
      const list = await t.http().get(`${BASE}/rooms`).set(bob.auth).expect(200);
      expect(list.body.items).toEqual([]);
    });
  });

  describe('join, leave, mute', () => {
    it('joins public rooms only, once', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const open = await createGroup(ann, [], { isPublic: true });
      const closed = await createGroup(ann);
      const joined = await t.http().post(`${BASE}/rooms/${open.id}/join`).set(bob.auth).expect(200);
      expect(joined.body).toMatchObject({ id: open.id, memberCount: 2, me: { role: 'member' } });
      await t.http().post(`${BASE}/rooms/${open.id}/join`).set(bob.auth).expect(409);
      await t.http().post(`${BASE}/rooms/${closed.id}/join`).set(bob.auth).expect(404);
    });

    it('leaves, and the owner must hand ownership over first', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await createGroup(ann, [bob]);
      const owned = await t.http().post(`${BASE}/rooms/${room.id}/leave`).set(ann.auth).expect(409);
      expect(owned.body.message).toMatch(/owner/i);
      await t.http().post(`${BASE}/rooms/${room.id}/leave`).set(bob.auth).expect(204);
      await t.http().get(`${BASE}/rooms/${room.id}`).set(bob.auth).expect(404);
      await t.http().post(`${BASE}/rooms/${room.id}/leave`).set(bob.auth).expect(404);
      const after = await t.http().get(`${BASE}/rooms/${room.id}`).set(ann.auth).expect(200);
      expect(after.body.memberCount).toBe(1);
    });

    it('mutes and unmutes for the caller only', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await createGroup(ann, [bob]);
      const muted = await t.http().post(`${BASE}/rooms/${room.id}/mute`).set(bob.auth).expect(200);
      expect(muted.body.me.muted).toBe(true);
      const annView = await t.http().get(`${BASE}/rooms/${room.id}`).set(ann.auth).expect(200);
      expect(annView.body.me.muted).toBe(false);
      const member = await t.http().get(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(ann.auth).expect(200);
      expect(member.body.muted).toBe(true);
      const unmuted = await t.http().post(`${BASE}/rooms/${room.id}/unmute`).set(bob.auth).expect(200);
      expect(unmuted.body.me.muted).toBe(false);
    });
  });

  describe('outsiders', () => {
    it('get 404 from every route of a room they are not in', async () => {
      const [ann, bob, eve] = [t.user(), t.user(), t.user()];
      const room = await createGroup(ann, [bob]);
      const r = `${BASE}/rooms/${room.id}`;
      const routes: Array<[string, string, object?]> = [
        ['get', r],
        ['patch', r, { title: 'x' }],
        ['put', r, { title: 'x' }],
        ['delete', r],
        ['post', `${r}/join`],
        ['post', `${r}/leave`],
        ['post', `${r}/mute`],
        ['post', `${r}/unmute`],
        ['get', `${r}/members`],
        ['get', `${r}/members/${bob.id}`],
        ['post', `${r}/members`, { userId: eve.id }],
        ['patch', `${r}/members/${bob.id}`, { role: 'admin' }],
        ['delete', `${r}/members/${bob.id}`],
      ];
      for (const [method, path, body] of routes) {
        const call = (t.http() as unknown as Record<string, (p: string) => import('supertest').Test>)[method](path).set(eve.auth);
        const res = await (body ? call.send(body) : call);
        expect([method, path, res.status]).toEqual([method, path, 404]);
        expect(res.body.message).toBe('Room not found');
      }
      await t.http().get(`${BASE}/rooms/00000000-0000-0000-0000-000000000000`).set(eve.auth).expect(404);
      await t.http().get(`${BASE}/rooms/not-a-uuid`).set(eve.auth).expect(404);
    });
  });
});
