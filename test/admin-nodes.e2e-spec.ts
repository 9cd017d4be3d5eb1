import { existsSync } from 'node:fs';
import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import { BASE } from './support/chat-client';
import { ServerNode, SERVER_MAIN, TestRedis, freePort } from './support/processes';
import { closeSockets, connectSocket, nextEvent } from './support/sockets';
import { TEST_JWT_SECRET, tokenFor } from './support/test-app';

/**
 * Server-wide bans across nodes: two server processes sharing one PostgreSQL and one Redis. A ban made through
 * one node cuts the user's sockets on the other and refuses their requests there.
 */
describe('server-wide bans on many nodes (PostgreSQL + Redis, separate processes)', () => {
  let redis: TestRedis;
  let node1: ServerNode;
  let node2: ServerNode;
  const user = (name: string, claims: Record<string, unknown> = {}) => {
    const id = `u-${name}-${Math.random().toString(36).slice(2)}`;
    const token = Object.keys(claims).length ? new JwtService({ secret: TEST_JWT_SECRET }).sign({ sub: id, name, ...claims }, { expiresIn: 3600 }) : tokenFor(id, name);
    return { id, token, auth: { Authorization: `Bearer ${token}` } };
  };

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

  it("cuts the banned user's sockets on the other node and refuses them there; others keep theirs", async () => {
    const admin = user('admin', { chatAdmin: true });
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
