import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import type { ChatRateLimit } from '@parley/chat';
import { createClient } from 'redis';
import request from 'supertest';
import { loadConfig } from '../src/config/app-config';
import { BASE, chatClient } from './support/chat-client';
import { pngImage } from './support/image-fixtures';
import { SERVER_MAIN, ServerNode, TestRedis, freePort } from './support/processes';
import { ask, closeSockets, connectSocket, eventually, type ChatClient } from './support/sockets';
import { DATABASES, startTestApp, tokenFor, type TestApp, type TestUser } from './support/test-app';

/** A limit of `burst` whose window lasts 400 s: nothing in a test outlives it, so no test depends on the clock. */
const perWindow = (burst: number): ChatRateLimit => ({ burst, perSecond: burst / 400 });

/** The 429 of a per-user limit: code, message, and a retry time from the 400 s window. */
function expectRateLimited(response: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, message: string): void {
  expect(response.status).toBe(429);
  expect(response.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED', message: expect.stringContaining(message) });
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(380);
  expect(retryAfter).toBeLessThanOrEqual(400);
  expect(response.body.retryAfterSeconds).toBe(retryAfter);
}

/**
 * A redis-server of one test's own, killed (SIGKILL, by its pid) under a running server. Readiness is probed with a
 * raw PING on a socket destroyed right after, so no client of the test outlives it.
 */
async function startRedis(): Promise<{ url: string; kill: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  await eventually(
    () =>
      new Promise<void>((ready, notYet) => {
        const probe = connect(port, '127.0.0.1');
        probe.setTimeout(500, () => probe.destroy(new Error('no answer')));
        probe.once('connect', () => probe.write('PING\r\n'));
        probe.once('data', (reply) => {
          probe.destroy();
          if (reply.toString().startsWith('+PONG')) ready();
          else notYet(new Error(reply.toString()));
        });
        probe.once('error', notYet);
      }),
    10_000,
    100,
  );
  return {
    url: `redis://127.0.0.1:${port}`,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A refused socket handshake: its connect_error's `data.statusCode`. */
async function refusedHandshake(connecting: Promise<ChatClient>): Promise<{ statusCode?: number; message: string }> {
  try {
    await connecting;
  } catch (error) {
    return { statusCode: (error as { data?: { statusCode?: number } }).data?.statusCode, message: (error as Error).message };
  }
  throw new Error('The handshake was accepted');
}

describe.each(DATABASES)('item 3: per-user rate limits (%s)', (kind) => {
  let t: TestApp;
  let chat: ReturnType<typeof chatClient>;
  const botId = `bot-${randomUUID()}`;
  const bot: TestUser = { id: botId, name: 'Bot', token: tokenFor(botId, 'Bot'), auth: { Authorization: `Bearer ${tokenFor(botId, 'Bot')}` } };
  beforeAll(async () => {
    t = await startTestApp(kind, {
      rateLimits: { messages: perWindow(4), rooms: perWindow(3), memberAdds: perWindow(2), uploads: perWindow(1), reactions: perWindow(2), socketsPerUser: 3 },
      rateLimitExemptUsers: [botId],
      maxInitialMembers: 4,
    });
    chat = chatClient(t);
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await t?.close();
  });

  const post = (user: TestUser, roomId: string, body: string) => t.http().post(`${BASE}/rooms/${roomId}/messages`).set(user.auth).send({ body });

  it('counts HTTP and socket sends of one user, on all their sockets, against one bucket: then 429 RATE_LIMITED with Retry-After / retryAfterSeconds', async () => {
    const [ann, bob] = [t.user('Ann'), t.user('Bob')];
    const room = await chat.group(ann, [bob]);
    const [tab1, tab2] = await Promise.all([connectSocket(t.url, ann.token), connectSocket(t.url, ann.token)]);
    await post(ann, room.id, 'http 1').expect(201);
    expect((await ask(tab1, 'message.send', { roomId: room.id, body: 'tab 1' })).ok).toBe(true);
    expect((await ask(tab2, 'message.send', { roomId: room.id, body: 'tab 2' })).ok).toBe(true);
    await post(ann, room.id, 'http 2').expect(201);

    expectRateLimited(await post(ann, room.id, 'one too many'), 'Too many messages');
    const refused = await ask(tab1, 'message.send', { roomId: room.id, body: 'one too many, by socket' });
    expect(refused).toMatchObject({ ok: false, error: { statusCode: 429, code: 'RATE_LIMITED', message: expect.stringContaining('Too many messages') } });
    const retryAfterSeconds = (refused.error as { retryAfterSeconds?: number }).retryAfterSeconds ?? 0;
    expect(retryAfterSeconds).toBeGreaterThan(380);
    expect(retryAfterSeconds).toBeLessThanOrEqual(400);
    expect((await ask(tab2, 'message.send', { roomId: room.id, body: 'nor on the other tab' })).error?.statusCode).toBe(429);

    // Only sends are limited per user, only this user, and nothing refused was stored.
    expect((await ask(tab2, 'typing', { roomId: room.id, isTyping: true })).ok).toBe(true);
    await post(bob, room.id, 'bob is not limited by ann').expect(201);
    const bodies = (await t.http().get(`${BASE}/rooms/${room.id}/messages`).set(bob.auth).expect(200)).body.items.map((message: { body: string }) => message.body);
    expect(bodies.sort()).toEqual(['bob is not limited by ann', 'http 1', 'http 2', 'tab 1', 'tab 2']);
  });

  it('limits room creation, member adds and joins, uploads and reactions per user, each in its own bucket', async () => {
    const [carl, dave, erin, frank, gina] = [t.user('Carl'), t.user('Dave'), t.user('Erin'), t.user('Frank'), t.user('Gina')];
    const rooms: Array<{ id: string }> = [];
    for (let i = 0; i < 3; i++) rooms.push(await chat.group(carl, [], { isPublic: true, title: `Room ${i}` }));
    expectRateLimited(await t.http().post(`${BASE}/rooms`).set(carl.auth).send({ type: 'group', title: 'One too many', memberIds: [] }), 'Too many rooms created');
    expect((await t.http().get(`${BASE}/rooms`).set(carl.auth).expect(200)).body.items).toHaveLength(3);

    const add = (userId: string) => t.http().post(`${BASE}/rooms/${rooms[0].id}/members`).set(carl.auth).send({ userId });
    await add(dave.id).expect(201);
    await add(erin.id).expect(201);
    expectRateLimited(await add(frank.id), 'Too many members added');
    const members = (await t.http().get(`${BASE}/rooms/${rooms[0].id}/members`).set(carl.auth).expect(200)).body.items.map((member: { userId: string }) => member.userId);
    expect(members.sort()).toEqual([carl.id, dave.id, erin.id].sort());

    await t.http().post(`${BASE}/rooms/${rooms[0].id}/join`).set(gina.auth).expect(200);
    await t.http().post(`${BASE}/rooms/${rooms[1].id}/join`).set(gina.auth).expect(200);
    expectRateLimited(await t.http().post(`${BASE}/rooms/${rooms[2].id}/join`).set(gina.auth), 'Too many members added');

    const image = await pngImage();
    await t.http().post(`${BASE}/images`).set(carl.auth).attach('file', image, { filename: 'a.png', contentType: 'image/png' }).expect(201);
    expectRateLimited(await t.http().post(`${BASE}/images`).set(carl.auth).attach('file', image, { filename: 'b.png', contentType: 'image/png' }), 'Too many uploads');
    expect((await t.http().get(`${BASE}/images`).set(carl.auth).expect(200)).body.items).toHaveLength(1);

    const message = await chat.send(carl, rooms[0].id, 'react to me');
    const reaction = (emoji: string) => `${BASE}/rooms/${rooms[0].id}/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`;
    await t.http().put(reaction('👍')).set(carl.auth).expect(200);
    await t.http().delete(reaction('👍')).set(carl.auth).expect(200);
    expectRateLimited(await t.http().put(reaction('🎉')).set(carl.auth), 'Too many reactions');
    // Each kind has its own bucket: messages still go.
    await chat.send(carl, rooms[0].id, 'still sending');
  });

  it('creates a room with at most MAX_INITIAL_MEMBERS members per request (400, nothing created)', async () => {
    const owner = t.user('Owner');
    const others = [t.user(), t.user(), t.user(), t.user()];
    const refused = await t.http().post(`${BASE}/rooms`).set(owner.auth).send({ type: 'group', title: 'Too big', memberIds: others.map((u) => u.id) }).expect(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('at most 4 members') });
    expect((await t.http().get(`${BASE}/rooms`).set(owner.auth).expect(200)).body.items).toHaveLength(0);
    await chat.group(owner, others.slice(0, 3));
  });

  it('holds a user to socketsPerUser sockets, even when the handshakes come at once: the others get connect_error 429', async () => {
    const [hank, ivy] = [t.user('Hank'), t.user('Ivy')];
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, () => connectSocket(t.url, hank.token)));
    const accepted = attempts.flatMap((attempt) => (attempt.status === 'fulfilled' ? [attempt.value] : []));
    expect(accepted).toHaveLength(3);
    for (const attempt of attempts) {
      if (attempt.status === 'rejected') {
        expect((attempt.reason as { data?: { statusCode?: number } }).data?.statusCode).toBe(429);
        expect((attempt.reason as Error).message).toContain('at most 3 sockets');
      }
    }
    expect(await refusedHandshake(connectSocket(t.url, hank.token))).toMatchObject({ statusCode: 429 });
    // Another user is not affected; a closed socket frees its place (once the server has seen it go).
    expect((await connectSocket(t.url, ivy.token)).connected).toBe(true);
    accepted[0].disconnect();
    let again: ChatClient | undefined;
    await eventually(async () => {
      again = await connectSocket(t.url, hank.token);
    });
    expect(again?.connected).toBe(true);
    expect(await refusedHandshake(connectSocket(t.url, hank.token))).toMatchObject({ statusCode: 429 });
  });

  it('lifts the limits for the users the host names (RATE_LIMIT_EXEMPT_USERS: bots)', async () => {
    const room = await chat.group(bot);
    for (let i = 0; i < 8; i++) await post(bot, room.id, `bot ${i}`).expect(201);
    const sockets = await Promise.all(Array.from({ length: 5 }, () => connectSocket(t.url, bot.token)));
    for (const socket of sockets) expect((await ask(socket, 'message.send', { roomId: room.id, body: 'bot by socket' })).ok).toBe(true);
  });

  it('reads the limits from the environment', () => {
    const config = loadConfig({ RATE_LIMIT_MESSAGES: '30:7.5', RATE_LIMIT_UPLOADS: 'off', MAX_SOCKETS_PER_USER: '12', RATE_LIMIT_EXEMPT_USERS: 'bot-1, bot-2' });
    expect(config.rateLimits).toEqual({ messages: { burst: 30, perSecond: 7.5 }, uploads: false, socketsPerUser: 12 });
    expect(config.rateLimitExemptUsers).toEqual(['bot-1', 'bot-2']);
    expect(loadConfig({}).rateLimits).toEqual({});
    expect(loadConfig({ RATE_LIMITS: 'off' }).rateLimits).toEqual({ messages: false, rooms: false, memberAdds: false, uploads: false, reactions: false, socketsPerUser: false });
    expect(() => loadConfig({ RATE_LIMIT_ROOMS: '10' })).toThrow('RATE_LIMIT_ROOMS must be <burst>:<per second>');
    expect(() => loadConfig({ RATE_LIMIT_ROOMS: '0:1' })).toThrow('RATE_LIMIT_ROOMS');
    expect(() => loadConfig({ MAX_INITIAL_MEMBERS: '501' })).toThrow('MAX_INITIAL_MEMBERS must be at most 500');
  });
});

describe('item 3: limits shared through Redis by every node, and a Redis outage fails open', () => {
  let redis: TestRedis;
  let node1: TestApp;
  let node2: TestApp;
  beforeAll(async () => {
    redis = new TestRedis(await freePort());
    await redis.start();
    const overrides = { redisUrl: redis.url, rateLimits: { messages: perWindow(4), socketsPerUser: 2 } };
    node1 = await startTestApp('postgres', overrides);
    node2 = await startTestApp('postgres', overrides);
  }, 60_000);
  afterEach(() => closeSockets());
  afterAll(async () => {
    await node1?.close();
    await node2?.close();
    await redis?.stop();
  });

  it('counts one user’s sends on every node, HTTP and socket, against one bucket', async () => {
    const ann = node1.user('Ann');
    const room = await chatClient(node1).group(ann);
    const send = (node: TestApp, body: string) => node.http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body });
    await send(node1, 'node 1').expect(201);
    await send(node2, 'node 2').expect(201);
    const onNode2 = await connectSocket(node2.url, ann.token);
    expect((await ask(onNode2, 'message.send', { roomId: room.id, body: 'socket on node 2' })).ok).toBe(true);
    await send(node1, 'node 1 again').expect(201);
    expectRateLimited(await send(node2, 'one too many'), 'Too many messages');
    expectRateLimited(await send(node1, 'one too many'), 'Too many messages');
    expect((await ask(onNode2, 'message.send', { roomId: room.id, body: 'one too many' })).error).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
  });

  it('counts one user’s sockets on every node', async () => {
    const bob = node1.user('Bob');
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      await connectSocket(node1.url, bob.token);
      await connectSocket(node2.url, bob.token);
      // Both are registered in the shared presence before the third handshake.
      await eventually(async () => expect(await client.hLen(`parley:presence:user:${bob.id}`)).toBe(2));
      expect(await refusedHandshake(connectSocket(node1.url, bob.token))).toMatchObject({ statusCode: 429 });
      expect(await refusedHandshake(connectSocket(node2.url, bob.token))).toMatchObject({ statusCode: 429 });
    } finally {
      await client.close();
    }
  });

  it('keeps answering when Redis goes away: hits are counted in memory meanwhile (one warning), so the limits still hold', async () => {
    if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: run \`npm run build\` first (npm test does)`);
    // A server process and a Redis of this test's own: Redis is killed under the running server.
    const ownRedis = await startRedis();
    const server = await ServerNode.start({
      DATABASE_URL: process.env.PARLEY_TEST_DATABASE_URL as string,
      REDIS_URL: ownRedis.url,
      RATE_LIMITS: 'on',
      RATE_LIMIT_MESSAGES: '4:0.01',
    });
    try {
      const auth = { Authorization: `Bearer ${tokenFor(`u-cleo-${randomUUID()}`, 'Cleo')}` };
      const room = (await request(server.url).post(`${BASE}/rooms`).set(auth).send({ type: 'group', title: 'Outage', memberIds: [] }).expect(201)).body as { id: string };
      const send = (body: string) => request(server.url).post(`${BASE}/rooms/${room.id}/messages`).set(auth).send({ body });
      await send('before the outage').expect(201);
      await ownRedis.kill();
      // Redis is gone: this node counts afresh in memory, at the same limit, and answers at once.
      for (let i = 0; i < 4; i++) await send(`during the outage ${i}`).expect(201);
      expectRateLimited(await send('one too many'), 'Too many messages');
      await request(server.url).get(`${BASE}/rooms/${room.id}`).set(auth).expect(200);
      expect(server.output.join('').match(/The rate-limit storage failed/g)).toHaveLength(1);
      // Still alive once the fan-out of those sends has timed out (node-redis: 5 s), which used to end the process:
      // waits for the 8th failed reconnection of the server's Redis client (backoff 0.1, 0.2, ... 2 s: over 7 s).
      const reconnections = () => server.output.join('').match(/"context":"Redis","msg":"Redis: connect ECONNREFUSED/g)?.length ?? 0;
      await eventually(() => expect(reconnections()).toBeGreaterThanOrEqual(8), 20_000, 250);
      await request(server.url).get(`${BASE}/rooms/${room.id}`).set(auth).expect(200);
      expect(server.process.exitCode).toBeNull();
    } finally {
      await server.stop('SIGKILL');
      await ownRedis.kill();
    }
  }, 60_000);
});

describe('item 8: TRUST_PROXY', () => {
  let behindProxy: TestApp;
  let direct: TestApp;
  beforeAll(async () => {
    // The tests reach the servers from 127.0.0.1: as the proxy's address, it is trusted with `loopback`.
    behindProxy = await startTestApp('postgres', { authRateLimit: 2, trustProxy: 'loopback' });
    direct = await startTestApp('postgres', { authRateLimit: 2 });
  });
  afterAll(async () => {
    await behindProxy?.close();
    await direct?.close();
  });

  const logIn = (app: TestApp, clientAddress: string) =>
    app.http().post('/api/v1/auth/token').set('X-Forwarded-For', clientAddress).send({ username: `nobody${randomUUID().slice(0, 8)}`, password: 'not the password' });

  it('behind a trusted proxy, clients with different X-Forwarded-For addresses have their own log-in limits', async () => {
    expect((await logIn(behindProxy, '203.0.113.10')).status).toBe(401);
    expect((await logIn(behindProxy, '203.0.113.10')).status).toBe(401);
    expect((await logIn(behindProxy, '203.0.113.10')).status).toBe(429);
    expect((await logIn(behindProxy, '203.0.113.20')).status).toBe(401);
  });

  it('without TRUST_PROXY, X-Forwarded-For is ignored: every client behind the proxy shares one limit', async () => {
    expect((await logIn(direct, '203.0.113.10')).status).toBe(401);
    expect((await logIn(direct, '203.0.113.10')).status).toBe(401);
    expect((await logIn(direct, '203.0.113.20')).status).toBe(429);
  });

  it('takes TRUST_PROXY as Express does: true/false, a number of hops, addresses and subnets', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::/8, 192.168.1.1, 172.16.0.0/255.240.0.0' }).trustProxy).toBe(
      'loopback,10.0.0.0/8,fd00::/8,192.168.1.1,172.16.0.0/255.240.0.0',
    );
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example.com' })).toThrow('TRUST_PROXY must be');
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow('not understood: 10.0.0.0/33');
  });
});
