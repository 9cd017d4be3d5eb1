import { existsSync } from 'node:fs';
import request from 'supertest';
import { BASE, type MessageBody } from './support/chat-client';
import { ServerNode, SERVER_MAIN, TestRedis, freePort } from './support/processes';
import { ask, closeSockets, connectSocket, eventually, nextEvent, record } from './support/sockets';
import { tokenFor } from './support/test-app';

/**
 * Two (and then three) separate server processes sharing one PostgreSQL and one Redis, as in production
 * behind a load balancer.
 */
describe('many nodes (PostgreSQL + Redis, separate processes)', () => {
  const PRESENCE_EXPIRY_SECONDS = 3;
  let redis: TestRedis;
  let node1: ServerNode;
  let node2: ServerNode;
  const env = () => ({
    DATABASE_URL: process.env.PARLEY_TEST_DATABASE_URL as string,
    REDIS_URL: redis.url,
    PRESENCE_EXPIRY_SECONDS: String(PRESENCE_EXPIRY_SECONDS),
  });
  const user = (name: string) => {
    const id = `u-${name}-${Math.random().toString(36).slice(2)}`;
    const token = tokenFor(id, name);
    return { id, token, auth: { Authorization: `Bearer ${token}` } };
  };
  const createGroup = async (node: ServerNode, owner: ReturnType<typeof user>, members: Array<ReturnType<typeof user>>) =>
    (await request(node.url).post(`${BASE}/rooms`).set(owner.auth).send({ type: 'group', title: 'Nodes', memberIds: members.map((m) => m.id) }).expect(201)).body as {
      id: string;
    };
  const send = async (node: ServerNode, from: ReturnType<typeof user>, roomId: string, body: string) =>
    (await request(node.url).post(`${BASE}/rooms/${roomId}/messages`).set(from.auth).send({ body }).expect(201)).body as MessageBody;

  beforeAll(async () => {
    if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: run \`npm run build\` first (npm test does)`);
    redis = new TestRedis(await freePort());
    await redis.start();
    [node1, node2] = await Promise.all([ServerNode.start(env()), ServerNode.start(env())]);
  }, 90_000);
  afterEach(() => closeSockets());
  afterAll(async () => {
    await Promise.all([node1?.stop('SIGKILL'), node2?.stop('SIGKILL')]);
    await redis?.stop();
  });

  it('fans a message sent through node 2 out to sockets on both nodes', async () => {
    const [ann, bob] = [user('ann'), user('bob')];
    const room = await createGroup(node1, ann, [bob]);
    const sockets = await Promise.all([connectSocket(node1.url, ann.token), connectSocket(node2.url, ann.token), connectSocket(node1.url, bob.token), connectSocket(node2.url, bob.token)]);
    const received = sockets.map((socket) => nextEvent(socket, 'message.created'));
    const sent = await send(node2, bob, room.id, 'across nodes');
    for (const payload of await Promise.all(received)) expect(payload.message.id).toBe(sent.id);
    const viaSocket = nextEvent(sockets[0], 'message.created');
    const ack = await ask(sockets[3], 'message.send', { roomId: room.id, body: 'socket on node 2' });
    expect((await viaSocket).message.id).toBe(ack.data.id);
  });

  it('keeps seqs gapless when both nodes write into one room at once', async () => {
    const [ann, bob] = [user('ann'), user('bob')];
    const room = await createGroup(node1, ann, [bob]);
    const sent = await Promise.all(Array.from({ length: 80 }, (_, i) => send(i % 2 ? node1 : node2, i % 3 ? ann : bob, room.id, `both ${i}`)));
    // Seq 1 is the room's creation (a system message); the sends take 2..81.
    expect(sent.map((m) => m.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 80 }, (_, i) => i + 2));
    expect(new Set(sent.map((m) => m.version)).size).toBe(80);
  });

  it('subscribes a member added through node 2 on node 1 at once', async () => {
    const [ann, bob] = [user('ann'), user('bob')];
    const room = await createGroup(node2, ann, []);
    const bobOnNode1 = await connectSocket(node1.url, bob.token);
    const added = nextEvent(bobOnNode1, 'member.added');
    await request(node2.url).post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: bob.id }).expect(201);
    expect((await added).member.userId).toBe(bob.id);
    const message = nextEvent(bobOnNode1, 'message.created');
    await send(node2, ann, room.id, 'welcome from node 2');
    expect((await message).message.body).toBe('welcome from node 2');
    const removed = nextEvent(bobOnNode1, 'member.removed');
    await request(node2.url).delete(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(ann.auth).expect(204);
    await removed;
    const after = record(bobOnNode1, 'message.created');
    const annOnNode1 = await connectSocket(node1.url, ann.token);
    const annGets = nextEvent(annOnNode1, 'message.created');
    await send(node2, ann, room.id, 'bob is gone');
    await annGets;
    expect(after).toEqual([]);
  });

  it('shares presence and typing between nodes', async () => {
    const [ann, bob, carl] = [user('ann'), user('bob'), user('carl')];
    const room = await createGroup(node1, ann, [bob]);
    await createGroup(node1, carl, [bob]);
    const bobOnNode1 = await connectSocket(node1.url, bob.token);
    const online = nextEvent(bobOnNode1, 'presence', (p) => p.userId === ann.id && p.online);
    const annOnNode2 = await connectSocket(node2.url, ann.token);
    await online;
    const seen = await request(node1.url).get(`${BASE}/presence?userIds=${ann.id}`).set(bob.auth).expect(200);
    expect(seen.body[0]).toMatchObject({ userId: ann.id, online: true });
    // A second tab on the other node, then the first one closes: still online.
    const annOnNode1 = await connectSocket(node1.url, ann.token);
    // A socket's presence is registered in Redis just after it connects: wait until both of Ann's tabs are there.
    await eventually(async () => expect(await redis.command('HLEN', `parley:presence:user:${ann.id}`)).toBe(2), 10_000, 20);
    const presenceOnBob = record(bobOnNode1, 'presence');
    annOnNode2.disconnect();
    // Sentinel: Carl comes and goes on node 2 after Ann's tab closed there; once Bob hears Carl go offline, node 2
    // has handled Ann's disconnection too, and Bob never heard Ann go offline.
    const carlOnNode2 = await connectSocket(node2.url, carl.token);
    await eventually(() => expect(presenceOnBob.some((p) => p.userId === carl.id && p.online)).toBe(true), 10_000, 20);
    carlOnNode2.disconnect();
    await eventually(() => expect(presenceOnBob.some((p) => p.userId === carl.id && !p.online)).toBe(true), 10_000, 20);
    expect(presenceOnBob.filter((p) => p.userId === ann.id && !p.online)).toEqual([]);
    const still = await request(node2.url).get(`${BASE}/presence?userIds=${ann.id}`).set(bob.auth).expect(200);
    expect(still.body[0].online).toBe(true);
    const typing = nextEvent(bobOnNode1, 'typing');
    const annAgainOnNode2 = await connectSocket(node2.url, ann.token);
    await ask(annAgainOnNode2, 'typing', { roomId: room.id, isTyping: true });
    expect(await typing).toEqual({ roomId: room.id, userId: ann.id, isTyping: true });
    annOnNode1.disconnect();
    annAgainOnNode2.disconnect();
    await nextEvent(bobOnNode1, 'presence', (p) => p.userId === ann.id && !p.online);
  });

  it('survives a Redis restart: fan-out works again within seconds, and presence is registered again', async () => {
    const [ann, bob] = [user('ann'), user('bob')];
    const room = await createGroup(node1, ann, [bob]);
    const bobOnNode1 = await connectSocket(node1.url, bob.token);
    await connectSocket(node2.url, ann.token);
    await redis.stop();
    await redis.start();
    const restarted = Date.now();
    const received = record(bobOnNode1, 'message.created');
    await eventually(async () => {
      const sent = await send(node2, ann, room.id, `after restart ${Date.now()}`);
      await eventually(() => expect(received.map((p) => p.message.id)).toContain(sent.id), 500, 50);
    }, 20_000, 250);
    expect(Date.now() - restarted).toBeLessThan(20_000);
    await request(node1.url).get('/health').expect(200);
    // Redis kept nothing: each node registers its connections again on its next heartbeat.
    await eventually(async () => {
      const presence = await request(node1.url).get(`${BASE}/presence?userIds=${ann.id}`).set(bob.auth).expect(200);
      expect(presence.body[0].online).toBe(true);
    }, 5000, 200);
  }, 40_000);

  it('takes the users of a node killed with SIGKILL offline on the other node within the documented time', async () => {
    const [ann, bob] = [user('ann'), user('bob')];
    await createGroup(node1, ann, [bob]);
    const bobOnNode1 = await connectSocket(node1.url, bob.token);
    const online = nextEvent(bobOnNode1, 'presence', (p) => p.userId === ann.id && p.online);
    await connectSocket(node2.url, ann.token);
    await online;
    const offline = nextEvent(bobOnNode1, 'presence', (p) => p.userId === ann.id && !p.online, 15_000);
    const killed = Date.now();
    await node2.stop('SIGKILL');
    await offline;
    // Documented: within the expiry plus one heartbeat (a third of it).
    expect(Date.now() - killed).toBeLessThanOrEqual(PRESENCE_EXPIRY_SECONDS * 1000 * (4 / 3) + 1500);
    const presence = await request(node1.url).get(`${BASE}/presence?userIds=${ann.id}`).set(bob.auth).expect(200);
    expect(presence.body[0].online).toBe(false);
  }, 90_000);

  it('shuts down gracefully on SIGTERM: sockets are told why, and the process exits cleanly', async () => {
    const node3 = await ServerNode.start(env());
    const ann = user('ann');
    const socket = await connectSocket(node3.url, ann.token);
    const closing = nextEvent(socket, 'session.closing');
    const disconnected = new Promise<string>((resolve) => socket.on('disconnect', resolve));
    const ended = await node3.stop('SIGTERM');
    expect(await closing).toEqual({ reason: 'server_shutdown' });
    expect(await disconnected).toBe('io server disconnect');
    // Nest closes the app, then re-raises the signal: the conventional exit of a process asked to stop.
    expect(ended).toEqual({ code: null, signal: 'SIGTERM' });
    expect(node3.output.join('')).not.toMatch(/"level":(50|60)/);
  }, 90_000);
});
