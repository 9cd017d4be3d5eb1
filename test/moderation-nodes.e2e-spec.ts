import { existsSync } from 'node:fs';
import request from 'supertest';
import { BASE, type MessageBody } from './support/chat-client';
import { ServerNode, SERVER_MAIN, TestRedis, freePort } from './support/processes';
import { closeSockets, connectSocket, nextEvent, record } from './support/sockets';
import { newUser } from './support/room-fixtures';

/**
 * Bans across nodes: two server processes sharing one PostgreSQL and one Redis. A room ban on one node reaches the
 * banned user's sockets on the other at once (API.md, "Moderation": the member is removed, their sockets leave the
 * room); a server-wide ban made through one node cuts the user's sockets on the other and refuses them there.
 */
describe('room and server-wide bans across nodes (PostgreSQL + Redis, separate processes)', () => {
  let redis: TestRedis;
  let node1: ServerNode;
  let node2: ServerNode;
  const user = (name: string) => newUser(name);
  const createGroup = async (node: ServerNode, owner: ReturnType<typeof user>, members: Array<ReturnType<typeof user>>, title: string) =>
    (await request(node.url).post(`${BASE}/rooms`).set(owner.auth).send({ type: 'group', title, memberIds: members.map((m) => m.id) }).expect(201)).body as { id: string };
  const send = async (node: ServerNode, from: ReturnType<typeof user>, roomId: string, body: string) =>
    (await request(node.url).post(`${BASE}/rooms/${roomId}/messages`).set(from.auth).send({ body }).expect(201)).body as MessageBody;

  beforeAll(async () => {
    if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: run \`npm run build\` first (npm test does)`);
    redis = new TestRedis(await freePort());
    await redis.start();
    const env = { DATABASE_URL: process.env.PARLEY_TEST_DATABASE_URL as string, REDIS_URL: redis.url };
    [node1, node2] = await Promise.all([ServerNode.start(env), ServerNode.start(env)]);
  }, 90_000);
  afterEach(() => closeSockets());
  afterAll(async () => {
    await Promise.all([node1?.stop('SIGKILL'), node2?.stop('SIGKILL')]);
    await redis?.stop();
  });

  it("a ban through node 1 sends member.removed to the banned user's socket on node 2, which then gets nothing of the room", async () => {
    const [owner, bob, helper] = [user('owner'), user('bob'), user('helper')];
    const room = await createGroup(node1, owner, [bob], 'Banned from');
    const sentinelRoom = await createGroup(node1, helper, [bob], 'Sentinel');
    const bobOnNode2 = await connectSocket(node2.url, bob.token);
    const before = nextEvent(bobOnNode2, 'message.created', (event) => event.roomId === room.id);
    await send(node1, owner, room.id, 'before the ban');
    await before;

    const removed = nextEvent(bobOnNode2, 'member.removed', (event) => event.roomId === room.id);
    await request(node1.url).put(`${BASE}/rooms/${room.id}/bans/${bob.id}`).set(owner.auth).send({ reason: 'spam' }).expect(200);
    expect((await removed).member.userId).toBe(bob.id);

    const created = record(bobOnNode2, 'message.created');
    const afterBan = await send(node1, owner, room.id, 'after the ban');
    const sentinel = nextEvent(bobOnNode2, 'message.created', (event) => event.roomId === sentinelRoom.id);
    await send(node1, helper, sentinelRoom.id, 'sentinel');
    await sentinel;
    expect(created.map((event) => event.message.id)).not.toContain(afterBan.id);

    // Through the other node too: the ban keeps them out.
    const join = await request(node2.url).post(`${BASE}/rooms/${room.id}/members`).set(owner.auth).send({ userId: bob.id }).expect(403);
    expect(join.body.code).toBe('BANNED');
  });

  it("cuts the banned user's sockets on the other node and refuses them there; others keep theirs", async () => {
    const admin = newUser('admin', { chatAdmin: true });
    const [ann, bob] = [user('ann'), user('bob')];
    const room = (await request(node2.url).post(`${BASE}/rooms`).set(ann.auth).send({ type: 'group', title: 'Nodes', memberIds: [bob.id] }).expect(201)).body as { id: string };
    const bobOnNode2 = await connectSocket(node2.url, bob.token);
    const annOnNode2 = await connectSocket(node2.url, ann.token);
    const closing = nextEvent(bobOnNode2, 'session.closing');
    const disconnected = new Promise<string>((resolve) => bobOnNode2.once('disconnect', (reason) => resolve(reason)));

    await request(node1.url).put(`${BASE}/admin/users/${bob.id}/ban`).set(admin.auth).send({ reason: 'spam' }).expect(200);

    expect(await closing).toEqual({ reason: 'user_banned' });
    expect(await disconnected).toBe('io server disconnect');
    const refused = await request(node2.url).get(`${BASE}/rooms`).set(bob.auth).expect(403);
    expect(refused.body.code).toBe('USER_BANNED');
    await expect(connectSocket(node2.url, bob.token)).rejects.toThrow(/banned/);
    // Ann's socket on the same node stays: it still gets the room's messages.
    const message = nextEvent(annOnNode2, 'message.created');
    await request(node1.url).post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: 'after the ban' }).expect(201);
    expect((await message).message.body).toBe('after the ban');
    expect(annOnNode2.connected).toBe(true);

    await request(node2.url).delete(`${BASE}/admin/users/${bob.id}/ban`).set(admin.auth).expect(204);
    await request(node1.url).get(`${BASE}/rooms`).set(bob.auth).expect(200);
    await connectSocket(node1.url, bob.token);
  });
});
