import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { FaultNode, FaultRedis, api, cleanUpAfterAll, createDatabase, faultUser, until, type FaultUser } from './support/fault-services';
import { FakeFcm, FakeWebhookReceiver, TestCa } from './support/notification-fakes';
import { closeSockets, connectSocket } from './support/sockets';

/**
 * Notifications across server processes sharing one PostgreSQL and one Redis: every node dispatches the shared
 * outbox and sends deliveries, none twice; presence is cluster-wide; and a node killed (SIGKILL) between a message's
 * commit and its push loses nothing: the push is sent by the node that starts in its place.
 */
describe('notifications across nodes (separate processes, PostgreSQL + Redis)', () => {
  cleanUpAfterAll();
  /** Short, so a delivery leased by a killed node is free again within a few seconds (request timeout + 2 s). */
  const REQUEST_TIMEOUT_MS = 2000;
  let ca: TestCa;
  let fcm: FakeFcm;
  let hooks: FakeWebhookReceiver;
  let redis: FaultRedis;
  let databaseUrl: string;
  let db: Client;
  let nodes: FaultNode[];

  const start = () =>
    FaultNode.start({
      env: {
        DATABASE_URL: databaseUrl,
        REDIS_URL: redis.url,
        NODE_EXTRA_CA_CERTS: ca.caFile,
        FCM_SERVICE_ACCOUNT_FILE: fcm.writeServiceAccount().path,
        FCM_API_URL: fcm.origin,
        WEBHOOK_URL: hooks.url,
        WEBHOOK_SECRET: hooks.secret,
        WEBHOOK_EVENTS: 'notification',
        NOTIFICATIONS_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      },
      readyTimeoutMs: 90_000,
    });

  beforeAll(async () => {
    ca = TestCa.create();
    [fcm, hooks, redis] = await Promise.all([FakeFcm.start(ca), FakeWebhookReceiver.start(ca), FaultRedis.start()]);
    databaseUrl = await createDatabase();
    db = new Client({ connectionString: databaseUrl });
    db.on('error', () => undefined); // The database is dropped (FORCE) by the clean-up.
    await db.connect();
    nodes = await Promise.all([start(), start()]);
  }, 200_000);
  afterEach(() => closeSockets());
  afterAll(async () => {
    await db?.end();
    await Promise.all([fcm?.close(), hooks?.close()]);
  });

  const drained = () =>
    until('the notification queues to drain', async () => {
      const { rows } = await db.query(`SELECT (SELECT count(*) FROM chat_outbox)::int AS outbox, (SELECT count(*) FROM chat_deliveries)::int AS deliveries`);
      if (rows[0].outbox + rows[0].deliveries === 0) return true;
      throw new Error(`${JSON.stringify(rows[0])} pending`);
    }, 20_000);
  const fcmDevice = async (node: FaultNode, user: FaultUser): Promise<string> => {
    const token = `fcm-${randomBytes(12).toString('hex')}`;
    expect((await api(node, user, 'POST', '/devices', { platform: 'fcm', token })).status).toBe(201);
    return token;
  };
  const group = async (node: FaultNode, owner: FaultUser, members: FaultUser[]): Promise<string> => {
    const { status, body } = await api(node, owner, 'POST', '/rooms', { type: 'group', title: 'Nodes', memberIds: members.map((member) => member.id) });
    expect(status).toBe(201);
    return body.id;
  };
  const send = async (node: FaultNode, from: FaultUser, roomId: string, body: string): Promise<{ id: string }> => {
    const response = await api(node, from, 'POST', `/rooms/${roomId}/messages`, { body });
    expect(response.status).toBe(201);
    return response.body;
  };

  it('shares the outbox between nodes and pushes every message to every device exactly once', async () => {
    const [sender, ...readers] = ['sender', 'r1', 'r2', 'r3'].map(faultUser);
    const roomId = await group(nodes[0], sender, readers);
    const tokens = await Promise.all(readers.map((reader, i) => fcmDevice(nodes[i % 2], reader)));
    const sent = await Promise.all(Array.from({ length: 30 }, (_, i) => send(nodes[i % 2], sender, roomId, `message ${i}`)));
    const ids = new Set(sent.map((message) => message.id));
    await fcm.waitFor((push) => ids.has(push.data.messageId), sent.length * tokens.length);
    await drained();
    const pushes = fcm.received.filter((push) => ids.has(push.data.messageId)).map((push) => `${push.target}/${push.data.messageId}`);
    expect(pushes).toHaveLength(sent.length * tokens.length);
    expect(new Set(pushes).size).toBe(pushes.length);
    const notifications = hooks.received.filter((event) => event.type === 'notification' && ids.has(event.data.messageId));
    expect(notifications).toHaveLength(sent.length * readers.length);
    expect(new Set(notifications.map((event) => event.id)).size).toBe(notifications.length);
    expect(new Set(notifications.map((event) => `${event.data.userId}/${event.data.messageId}`)).size).toBe(notifications.length);
  });

  it('does not push to a member whose socket is on another node', async () => {
    const [sender, online, offline] = ['sender', 'online', 'offline'].map(faultUser);
    const roomId = await group(nodes[0], sender, [online, offline]);
    const [onlineToken, offlineToken] = [await fcmDevice(nodes[0], online), await fcmDevice(nodes[0], offline)];
    await connectSocket(nodes[1].url, online.token);
    const message = await send(nodes[0], sender, roomId, 'who is here?');
    await fcm.waitFor((push) => push.target === offlineToken && push.data.messageId === message.id);
    await drained();
    expect(fcm.received.filter((push) => push.target === onlineToken)).toEqual([]);
  });

  it('lets a push under way finish when the nodes are stopped (SIGTERM)', async () => {
    const [sender, reader] = [faultUser('sender'), faultUser('reader')];
    const roomId = await group(nodes[0], sender, [reader]);
    const token = await fcmDevice(nodes[0], reader);
    fcm.hold(token);
    const message = await send(nodes[0], sender, roomId, 'finish me');
    await fcm.waitFor((push) => push.target === token && push.data.messageId === message.id);
    const marks = nodes.map((node) => node.lines.length);
    const stopped = nodes.map((node) => node.stop('SIGTERM'));
    // Answer the push once both nodes are shutting down: the one sending it waits for the answer.
    await Promise.all(nodes.map((node, i) => node.waitForLog(/Shutdown: SIGTERM received/, 10_000, marks[i])));
    fcm.release(token);
    for (const exit of await Promise.all(stopped)) expect(exit.signal).toBe('SIGTERM');
    expect(fcm.accepted.filter((push) => push.target === token && push.data.messageId === message.id)).toHaveLength(1);
    await drained();
    nodes = await Promise.all([start(), start()]);
  }, 120_000);

  it('loses no push when the node sending it is killed (SIGKILL) between the commit and the delivery', async () => {
    const [sender, reader] = [faultUser('sender'), faultUser('reader')];
    const roomId = await group(nodes[0], sender, [reader]);
    const token = await fcmDevice(nodes[0], reader);
    // One node left: it will be the one holding the delivery when it dies.
    await nodes[1].stop();
    fcm.hold(token);
    const message = await send(nodes[0], sender, roomId, 'survive the crash');
    await fcm.waitFor((push) => push.target === token && push.data.messageId === message.id);
    // The node has committed the message and is sending its push (the provider has not answered): kill it.
    await nodes[0].kill();
    fcm.release(token);
    // More committed messages whose pushes the dead node never started: in the outbox or in the deliveries.
    const replacement = await start();
    nodes = [replacement, await start()];
    const later = await send(nodes[1], sender, roomId, 'after the restart');
    const pushes = await fcm.waitFor((push) => push.target === token && [message.id, later.id].includes(push.data.messageId), 3);
    await drained();
    // The first attempt (cut by the kill) and its retry by a new node; the later message once.
    expect(pushes.map((push) => push.data.messageId).sort()).toEqual([message.id, message.id, later.id].sort());
    expect(fcm.received.filter((push) => push.target === token)).toHaveLength(3);
    // The first request died with its node; the retry and the later message were accepted.
    expect(fcm.accepted.filter((push) => push.target === token).map((push) => push.data.messageId).sort()).toEqual([message.id, later.id].sort());
  }, 90_000);

  it('sends the pushes of messages committed just before the node died, from the other node', async () => {
    const [sender, reader] = [faultUser('sender'), faultUser('reader')];
    const roomId = await group(nodes[0], sender, [reader]);
    const token = await fcmDevice(nodes[0], reader);
    // Slow provider: the dying node has some of the pushes under way, the rest still queued.
    fcm.hold(token, 5);
    const sent = await Promise.all(Array.from({ length: 10 }, (_, i) => send(nodes[0], sender, roomId, `burst ${i}`)));
    await nodes[0].kill();
    fcm.release(token);
    const ids = new Set(sent.map((message) => message.id));
    // Accepted by the provider (answered 2xx to a live node), not merely received.
    await until('every message of the burst to be pushed', () => new Set(fcm.accepted.filter((push) => push.target === token && ids.has(push.data.messageId)).map((push) => push.data.messageId)).size === ids.size, 30_000);
    await drained();
  }, 60_000);
});
