import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import request from 'supertest';
import { BASE, type MessageBody } from './support/chat-client';
import { SERVER_MAIN, ServerNode, TestRedis, freePort } from './support/processes';
import { RedisDelayProxy } from './support/redis-delay-proxy';
import { closeSockets, connectSocket, nextEvent, record, type ChatClient } from './support/sockets';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

/**
 * Subscriptions follow membership on every node (API.md, "Realtime"): an added member's sockets are subscribed
 * before `member.added` is emitted, so they receive it and the room's next event; a removed member's sockets
 * receive `member.removed` and nothing of the room after it. With the Redis adapter, `socketsJoin` is only a
 * request published to Redis, applied when it comes back, so each scenario runs with the user's sockets on the
 * node that handles the change as well as on another one, and with each node acting in turn.
 *
 * An absence is proven with a sentinel: after the message that must not arrive, a message in another room the
 * user is still in, sent through the same node; once every socket has the sentinel, the earlier message would
 * have arrived before it.
 *
 * The nodes reach Redis through a proxy that can hold back what Redis delivers to subscribers, as a slow network
 * would: the node that handles a change must not depend on its own request coming back through Redis.
 */

interface Node {
  name: string;
  url: string;
}

interface Cluster {
  nodes: Node[];
  /** In front of the nodes' Redis, when they use one. */
  proxy?: RedisDelayProxy;
  stop: () => Promise<void>;
}

interface User {
  id: string;
  token: string;
  auth: { Authorization: string };
}

type Topology = [name: string, start: () => Promise<Cluster>, withRedis: boolean];

/** A Redis server of the test's own (so no other test's nodes share its channels), behind a delay proxy. */
async function startRedis(): Promise<{ proxy: RedisDelayProxy; stop: () => Promise<void> }> {
  const redis = new TestRedis(await freePort());
  await redis.start();
  const proxy = new RedisDelayProxy({ host: '127.0.0.1', port: redis.port });
  await proxy.start();
  return {
    proxy,
    stop: async () => {
      await proxy.stop();
      await redis.stop();
    },
  };
}

/** One in-process node; with `redis`, through the Redis adapter (REDIS_URL) of a Redis server of its own. */
async function inProcessNode(redis: boolean): Promise<Cluster> {
  const server = redis ? await startRedis() : undefined;
  let app: TestApp | undefined;
  try {
    app = await startTestApp('postgres', { redisUrl: server?.proxy.url });
  } catch (error) {
    await server?.stop();
    throw error;
  }
  return {
    nodes: [{ name: 'node 1', url: app.url }],
    proxy: server?.proxy,
    stop: async () => {
      await app?.close();
      await server?.stop();
    },
  };
}

/** Two separate server processes (the built server) sharing the test PostgreSQL database and one Redis. */
async function twoProcesses(): Promise<Cluster> {
  if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: run \`npx nest build parley\` first (npm test builds it)`);
  const redis = await startRedis();
  const env = { DATABASE_URL: process.env.PARLEY_TEST_DATABASE_URL as string, REDIS_URL: redis.proxy.url };
  const started = await Promise.allSettled([ServerNode.start(env), ServerNode.start(env)]);
  const processes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = async () => {
    await Promise.all(processes.map((node) => node.stop('SIGKILL')));
    await redis.stop();
  };
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { nodes: processes.map((node, index) => ({ name: `node ${index + 1}`, url: node.url })), proxy: redis.proxy, stop };
}

const TOPOLOGIES: Topology[] = [
  ['one node, no Redis', () => inProcessNode(false), false],
  ['one node with REDIS_URL', () => inProcessNode(true), true],
  ['two nodes sharing PostgreSQL and Redis', twoProcesses, true],
];

describe.each(TOPOLOGIES)('membership subscriptions (%s)', (_name, start, withRedis) => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await start();
  }, 90_000);
  afterEach(() => {
    cluster?.proxy?.release();
    closeSockets();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const user = (name: string): User => {
    const id = `u-${name}-${randomUUID()}`;
    const token = tokenFor(id, name);
    return { id, token, auth: { Authorization: `Bearer ${token}` } };
  };
  const createGroup = async (via: Node, owner: User, members: User[], extra: Record<string, unknown> = {}) =>
    (
      await request(via.url)
        .post(`${BASE}/rooms`)
        .set(owner.auth)
        .send({ type: 'group', title: 'Membership', memberIds: members.map((member) => member.id), ...extra })
        .expect(201)
    ).body as { id: string; version: number };
  const send = async (via: Node, from: User, roomId: string, body: string) =>
    (await request(via.url).post(`${BASE}/rooms/${roomId}/messages`).set(from.auth).send({ body }).expect(201)).body as MessageBody;
  /** One socket of `who` on every node, connected before anything happens. */
  const socketsOf = (who: User) => Promise.all(cluster.nodes.map((node) => connectSocket(node.url, who.token)));

  const addedOnEverySocket = (sockets: ChatClient[], roomId: string, memberId: string) =>
    Promise.all(sockets.map((socket) => nextEvent(socket, 'member.added', (p) => p.roomId === roomId && p.member.userId === memberId)));
  const removedOnEverySocket = (sockets: ChatClient[], roomId: string, memberId: string) =>
    Promise.all(sockets.map((socket) => nextEvent(socket, 'member.removed', (p) => p.roomId === roomId && p.member.userId === memberId)));

  /**
   * The room's next event reaches every socket: a message sent right after the change, through each node in
   * turn (the first one through the node that made the change).
   */
  async function nextMessagesReach(sockets: ChatClient[], from: User, roomId: string, actor: Node): Promise<void> {
    const order = [actor, ...cluster.nodes.filter((node) => node !== actor)];
    for (const via of order) {
      const body = `next via ${via.name} ${randomUUID()}`;
      const received = Promise.all(sockets.map((socket) => nextEvent(socket, 'message.created', (p) => p.roomId === roomId && p.message.body === body)));
      const sent = await send(via, from, roomId, body);
      for (const payload of await received) expect(payload.message.id).toBe(sent.id);
    }
  }

  /**
   * Nothing of `leftRoomId` reaches the sockets any more: through each node, a message in the left room, then a
   * sentinel in a room the user is still in; every socket gets the sentinel and none the left room's message.
   */
  async function nothingMoreReaches(sockets: ChatClient[], from: User, leftRoomId: string, sentinelRoomId: string, actor: Node): Promise<void> {
    const seen = sockets.map((socket) => record(socket, 'message.created'));
    const order = [actor, ...cluster.nodes.filter((node) => node !== actor)];
    for (const via of order) {
      const sentinel = `sentinel via ${via.name} ${randomUUID()}`;
      const sentinels = Promise.all(sockets.map((socket) => nextEvent(socket, 'message.created', (p) => p.roomId === sentinelRoomId && p.message.body === sentinel)));
      await send(via, from, leftRoomId, `must not arrive, via ${via.name}`);
      await send(via, from, sentinelRoomId, sentinel);
      await sentinels;
    }
    for (const events of seen) expect(events.filter((p) => p.roomId === leftRoomId)).toEqual([]);
  }

  /** Runs `scenario` once with each node acting (handling the HTTP request that changes the membership). */
  async function withEachActingNode(scenario: (actor: Node) => Promise<void>): Promise<void> {
    for (const actor of cluster.nodes) await scenario(actor);
  }

  it('a member added with POST /rooms/{id}/members receives member.added on every socket, then the next message', () =>
    withEachActingNode(async (actor) => {
      const [ann, bob] = [user('ann'), user('bob')];
      const room = await createGroup(actor, ann, []);
      const bobSockets = await socketsOf(bob);
      const everyAdded = bobSockets.map((socket) => record(socket, 'member.added'));
      const added = addedOnEverySocket(bobSockets, room.id, bob.id);
      await request(actor.url).post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: bob.id }).expect(201);
      for (const payload of await added) expect(payload).toMatchObject({ roomId: room.id, version: room.version + 1, member: { userId: bob.id, role: 'member' } });
      await nextMessagesReach(bobSockets, ann, room.id, actor);
      // Once each, though sent to the room and to the member's own channel: a duplicate would have come before.
      for (const events of everyAdded) expect(events).toHaveLength(1);
    }));

  it('a user joining a public room receives member.added on every socket, then the next message', () =>
    withEachActingNode(async (actor) => {
      const [ann, bob] = [user('ann'), user('bob')];
      const room = await createGroup(actor, ann, [], { isPublic: true });
      const bobSockets = await socketsOf(bob);
      const added = addedOnEverySocket(bobSockets, room.id, bob.id);
      await request(actor.url).post(`${BASE}/rooms/${room.id}/join`).set(bob.auth).expect(200);
      await added;
      await nextMessagesReach(bobSockets, ann, room.id, actor);
    }));

  it('a member of a room created with memberIds receives member.added on every socket, then the next message', () =>
    withEachActingNode(async (actor) => {
      const [ann, bob] = [user('ann'), user('bob')];
      const [annSockets, bobSockets] = [await socketsOf(ann), await socketsOf(bob)];
      // bob is new: every member.added about him is about this room, whose id is not known yet.
      const bobAdded = Promise.all(bobSockets.map((socket) => nextEvent(socket, 'member.added', (p) => p.member.userId === bob.id)));
      const annAdded = Promise.all(annSockets.map((socket) => nextEvent(socket, 'member.added', (p) => p.member.userId === ann.id)));
      const room = await createGroup(actor, ann, [bob]);
      for (const payload of await bobAdded) expect(payload.roomId).toBe(room.id);
      for (const payload of await annAdded) expect(payload.roomId).toBe(room.id);
      await nextMessagesReach([...annSockets, ...bobSockets], ann, room.id, actor);
    }));

  it('a removed member receives member.removed on every socket, and nothing of the room after it', () =>
    withEachActingNode(async (actor) => {
      const [ann, bob] = [user('ann'), user('bob')];
      const room = await createGroup(actor, ann, [bob]);
      const sentinelRoom = await createGroup(actor, ann, [bob]);
      const bobSockets = await socketsOf(bob);
      await nextMessagesReach(bobSockets, ann, room.id, actor);
      const removed = removedOnEverySocket(bobSockets, room.id, bob.id);
      await request(actor.url).delete(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(ann.auth).expect(204);
      for (const payload of await removed) expect(payload).toMatchObject({ roomId: room.id, member: { userId: bob.id } });
      await nothingMoreReaches(bobSockets, ann, room.id, sentinelRoom.id, actor);
    }));

  it('a member who leaves receives member.removed on every socket, and nothing of the room after it', () =>
    withEachActingNode(async (actor) => {
      const [ann, bob] = [user('ann'), user('bob')];
      const room = await createGroup(actor, ann, [bob]);
      const sentinelRoom = await createGroup(actor, ann, [bob]);
      const bobSockets = await socketsOf(bob);
      await nextMessagesReach(bobSockets, ann, room.id, actor);
      const removed = removedOnEverySocket(bobSockets, room.id, bob.id);
      await request(actor.url).post(`${BASE}/rooms/${room.id}/leave`).set(bob.auth).expect(204);
      await removed;
      await nothingMoreReaches(bobSockets, ann, room.id, sentinelRoom.id, actor);
    }));

  it('a member added again after being removed is subscribed again on every socket', () =>
    withEachActingNode(async (actor) => {
      const [ann, bob] = [user('ann'), user('bob')];
      const room = await createGroup(actor, ann, [bob]);
      const sentinelRoom = await createGroup(actor, ann, [bob]);
      const bobSockets = await socketsOf(bob);
      const removed = removedOnEverySocket(bobSockets, room.id, bob.id);
      await request(actor.url).delete(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(ann.auth).expect(204);
      await removed;
      const added = addedOnEverySocket(bobSockets, room.id, bob.id);
      await request(actor.url).post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: bob.id }).expect(201);
      await added;
      await nextMessagesReach(bobSockets, ann, room.id, actor);
      const removedAgain = removedOnEverySocket(bobSockets, room.id, bob.id);
      await request(actor.url).delete(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(ann.auth).expect(204);
      await removedAgain;
      await nothingMoreReaches(bobSockets, ann, room.id, sentinelRoom.id, actor);
    }));

  it('the members of a deleted room receive room.deleted on every socket', () =>
    withEachActingNode(async (actor) => {
      const [ann, bob] = [user('ann'), user('bob')];
      const room = await createGroup(actor, ann, [bob]);
      const sockets = [...(await socketsOf(ann)), ...(await socketsOf(bob))];
      const deleted = Promise.all(sockets.map((socket) => nextEvent(socket, 'room.deleted', (p) => p.roomId === room.id)));
      await request(actor.url).delete(`${BASE}/rooms/${room.id}`).set(ann.auth).expect(204);
      for (const payload of await deleted) expect(payload).toEqual({ roomId: room.id });
    }));

  describe('while Redis delivers late', () => {
    const itWithRedis = withRedis ? it : it.skip;
    /** Remote deliveries wait for `release()`; long enough to cover the wait for the acting node's events. */
    const REMOTE_TIMEOUT_MS = 10_000;

    itWithRedis('the acting node subscribes an added member at once: member.added and the next message need no round trip through Redis', () =>
      withEachActingNode(async (actor) => {
        const proxy = cluster.proxy as RedisDelayProxy;
        const [ann, bob] = [user('ann'), user('bob')];
        const room = await createGroup(actor, ann, []);
        const bobSockets = await socketsOf(bob);
        const local = bobSockets[cluster.nodes.indexOf(actor)];
        const remote = bobSockets.filter((socket) => socket !== local);
        const body = `right after the add ${randomUUID()}`;
        // Remote sockets: member.added, then the message, once Redis delivers (join request first, as published).
        const remoteDone = remote.map((socket) =>
          Promise.all([
            nextEvent(socket, 'member.added', (p) => p.roomId === room.id && p.member.userId === bob.id, REMOTE_TIMEOUT_MS),
            nextEvent(socket, 'message.created', (p) => p.roomId === room.id && p.message.body === body, REMOTE_TIMEOUT_MS),
          ]),
        );
        // Awaited after the release; if the test fails before, they must not surface as unhandled rejections.
        for (const done of remoteDone) done.catch(() => undefined);
        proxy.hold();
        try {
          const added = nextEvent(local, 'member.added', (p) => p.roomId === room.id && p.member.userId === bob.id);
          await request(actor.url).post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: bob.id }).expect(201);
          await added;
          const message = nextEvent(local, 'message.created', (p) => p.roomId === room.id && p.message.body === body);
          await send(actor, ann, room.id, body);
          await message;
        } finally {
          proxy.release();
        }
        await Promise.all(remoteDone);
      }));

    itWithRedis('the acting node unsubscribes a removed member at once: nothing of the room after member.removed', () =>
      withEachActingNode(async (actor) => {
        const proxy = cluster.proxy as RedisDelayProxy;
        const [ann, bob] = [user('ann'), user('bob')];
        const room = await createGroup(actor, ann, [bob]);
        const sentinelRoom = await createGroup(actor, ann, [bob]);
        const bobSockets = await socketsOf(bob);
        await nextMessagesReach(bobSockets, ann, room.id, actor);
        const local = bobSockets[cluster.nodes.indexOf(actor)];
        const seen = bobSockets.map((socket) => record(socket, 'message.created'));
        const sentinel = `sentinel ${randomUUID()}`;
        const remoteDone = bobSockets
          .filter((socket) => socket !== local)
          .map((socket) =>
            Promise.all([
              nextEvent(socket, 'member.removed', (p) => p.roomId === room.id, REMOTE_TIMEOUT_MS),
              nextEvent(socket, 'message.created', (p) => p.roomId === sentinelRoom.id && p.message.body === sentinel, REMOTE_TIMEOUT_MS),
            ]),
          );
        // Awaited after the release; if the test fails before, they must not surface as unhandled rejections.
        for (const done of remoteDone) done.catch(() => undefined);
        proxy.hold();
        try {
          const removed = nextEvent(local, 'member.removed', (p) => p.roomId === room.id && p.member.userId === bob.id);
          await request(actor.url).delete(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(ann.auth).expect(204);
          await removed;
          const localSentinel = nextEvent(local, 'message.created', (p) => p.roomId === sentinelRoom.id && p.message.body === sentinel);
          await send(actor, ann, room.id, 'must not arrive');
          await send(actor, ann, sentinelRoom.id, sentinel);
          await localSentinel;
        } finally {
          proxy.release();
        }
        await Promise.all(remoteDone);
        for (const events of seen) expect(events.filter((p) => p.roomId === room.id && p.message.body === 'must not arrive')).toEqual([]);
      }));
  });
});

