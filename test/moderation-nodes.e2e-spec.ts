import { existsSync } from 'node:fs';
import request from 'supertest';
import { BASE, type MessageBody } from './support/chat-client';
import { ServerNode, SERVER_MAIN, TestRedis, freePort } from './support/processes';
import { closeSockets, connectSocket, nextEvent, record } from './support/sockets';
import { tokenFor } from './support/test-app';

/**
 * A ban on one node reaches the banned user's sockets on another at once (API.md, "Moderation": the member is
 * removed, their sockets leave the room): two server processes sharing one PostgreSQL and one Redis.
 */
describe('room bans across nodes (PostgreSQL + Redis, separate processes)', () => {
  let redis: TestRedis;
  let node1: ServerNode;
  let node2: ServerNode;
  const user = (name: string) => {
    const id = `u-${name}-${Math.random().toString(36).slice(2)}`;
    const token = tokenFor(id, name);
    return { id, token, auth: { Authorization: `Bearer ${token}` } };
  };
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
});
