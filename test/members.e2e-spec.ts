import { DATABASES, startTestApp, type TestApp, type TestUser } from './support/test-app';

const BASE = '/api/v1/chat';

describe.each(DATABASES)('members (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  const createGroup = async (owner: TestUser, members: TestUser[] = []) =>
    (await t.http().post(`${BASE}/rooms`).set(owner.auth).send({ type: 'group', title: 'Team', memberIds: members.map((m) => m.id) }).expect(201))
      .body as { id: string; version: number };

  it('adds members (owner and admins), 409 for an existing member, and bumps the version', async () => {
    const [ann, bob, cat, dan] = [t.user('Ann'), t.user('Bob'), t.user('Cat'), t.user('Dan')];
    const room = await createGroup(ann, [bob]);
    const added = await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: cat.id }).expect(201);
    expect(added.body).toMatchObject({ userId: cat.id, role: 'member', lastReadSeq: 0, lastDeliveredSeq: 0, muted: false, online: false });
    expect(typeof added.body.joinedAt).toBe('string');
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: cat.id }).expect(409);
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(bob.auth).send({ userId: dan.id }).expect(403);
    const view = await t.http().get(`${BASE}/rooms/${room.id}`).set(cat.auth).expect(200);
    expect(view.body).toMatchObject({ memberCount: 3, version: room.version + 1 });
    // The user's name becomes known once they use the API.
    await t.http().get(`${BASE}/rooms`).set(cat.auth).expect(200);
    const member = await t.http().get(`${BASE}/rooms/${room.id}/members/${cat.id}`).set(bob.auth).expect(200);
    expect(member.body.name).toBe('Cat');
  });

  it('lets only the owner add admins or change roles; role owner hands ownership over', async () => {
    const [ann, bob, cat, dan] = [t.user(), t.user(), t.user(), t.user()];
    const room = await createGroup(ann, [bob, cat]);
    await t.http().patch(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(ann.auth).send({ role: 'admin' }).expect(200);
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(bob.auth).send({ userId: dan.id, role: 'admin' }).expect(403);
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(bob.auth).send({ userId: dan.id }).expect(201);
    await t.http().patch(`${BASE}/rooms/${room.id}/members/${cat.id}`).set(bob.auth).send({ role: 'admin' }).expect(403);
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: t.user().id, role: 'owner' }).expect(400);
    await t.http().patch(`${BASE}/rooms/${room.id}/members/${cat.id}`).set(ann.auth).send({ role: 'boss' }).expect(400);
    await t.http().patch(`${BASE}/rooms/${room.id}/members/${ann.id}`).set(ann.auth).send({ role: 'member' }).expect(409);
    const handed = await t.http().patch(`${BASE}/rooms/${room.id}/members/${cat.id}`).set(ann.auth).send({ role: 'owner' }).expect(200);
    expect(handed.body.role).toBe('owner');
    const annNow = await t.http().get(`${BASE}/rooms/${room.id}`).set(ann.auth).expect(200);
    expect(annNow.body.me.role).toBe('admin');
    await t.http().post(`${BASE}/rooms/${room.id}/leave`).set(ann.auth).expect(204);
    await t.http().patch(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(t.user().auth).send({ role: 'member' }).expect(404);
  });

  it('removes: owner anybody, admins plain members, members themselves', async () => {
    const [ann, bob, cat, dan] = [t.user(), t.user(), t.user(), t.user()];
    const room = await createGroup(ann, [bob, cat, dan]);
    await t.http().patch(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(ann.auth).send({ role: 'admin' }).expect(200);
    await t.http().delete(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(cat.auth).expect(403);
    await t.http().delete(`${BASE}/rooms/${room.id}/members/${ann.id}`).set(bob.auth).expect(403);
    await t.http().delete(`${BASE}/rooms/${room.id}/members/${cat.id}`).set(bob.auth).expect(204);
    await t.http().delete(`${BASE}/rooms/${room.id}/members/${dan.id}`).set(dan.auth).expect(204);
    await t.http().delete(`${BASE}/rooms/${room.id}/members/${ann.id}`).set(ann.auth).expect(409);
    await t.http().delete(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(ann.auth).expect(204);
    await t.http().delete(`${BASE}/rooms/${room.id}/members/nobody`).set(ann.auth).expect(404);
    const list = await t.http().get(`${BASE}/rooms/${room.id}/members`).set(ann.auth).expect(200);
    expect(list.body.items.map((m: { userId: string }) => m.userId)).toEqual([ann.id]);
    await t.http().get(`${BASE}/rooms/${room.id}`).set(cat.auth).expect(404);
  });

  it('pages the member list', async () => {
    const ann = t.user();
    const others = Array.from({ length: 7 }, () => t.user());
    const room = await createGroup(ann, others);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: import('supertest').Response = await t
        .http()
        .get(`${BASE}/rooms/${room.id}/members`)
        .query(cursor ? { limit: 3, cursor } : { limit: 3 })
        .set(ann.auth)
        .expect(200);
      seen.push(...res.body.items.map((m: { userId: string }) => m.userId));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([ann, ...others].map((u) => u.id).sort());
  });

  it('rejects bad member input', async () => {
    const ann = t.user();
    const room = await createGroup(ann);
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({}).expect(400);
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: '' }).expect(400);
    await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: 'x', extra: 1 }).expect(400);
    const members = await t.http().get(`${BASE}/rooms/${room.id}/members`).set(ann.auth).expect(200);
    expect(members.body.items).toHaveLength(1);
  });
});
