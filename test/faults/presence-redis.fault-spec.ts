import { FaultNode, FaultProxy, FaultRedis, api, cleanUpAfterAll, createDatabase, createGroup, faultUser, until, type FaultUser } from '../support/fault-services';
import { closeSockets, connectSocket } from '../support/sockets';

/**
 * Issue 15, item 3 (presence after Redis loses its data) and item 9's presence logging, with two server processes
 * and the test's own Redis. Presence must converge to the truth within one heartbeat whatever Redis lost or missed,
 * and say what it does in one line: no false "registered again" at start-up, one line per node swept.
 */
describe('presence when Redis loses or misses its data (two nodes)', () => {
  cleanUpAfterAll();
  // Heartbeats every 2 s (a third of the expiry): a user who connects right after a flush lands before the next one.
  const PRESENCE_EXPIRY_SECONDS = 6;
  const HEARTBEAT_MS = (PRESENCE_EXPIRY_SECONDS * 1000) / 3;
  let redis: FaultRedis;
  /** Both nodes reach Redis through it, so the network to Redis can be cut while Redis keeps running. */
  let link: FaultProxy;
  let databaseUrl: string;
  let nodeA: FaultNode;
  let nodeB: FaultNode;
  const env = () => ({ DATABASE_URL: databaseUrl, REDIS_URL: link.url(), PRESENCE_EXPIRY_SECONDS: String(PRESENCE_EXPIRY_SECONDS) });
  const registeredAgain = /registered again: it was missing in Redis|Redis had lost it/;
  const sweptOrLost = /swept dead node|registered again: it was missing in Redis|Redis had lost it/;

  beforeAll(async () => {
    [redis, databaseUrl] = await Promise.all([FaultRedis.start(), createDatabase()]);
    link = await FaultProxy.start({ port: redis.port });
    [nodeA, nodeB] = await Promise.all([FaultNode.start({ env: env() }), FaultNode.start({ env: env() })]);
  }, 60_000);
  afterEach(async () => {
    closeSockets();
    // A test that failed half-way leaves Redis as it was for the next one.
    redis.resume();
    link.restore();
    await redis.start();
  });

  /** GET /presence as `viewer` through `node`: the ids reported online. */
  async function onlineSeenFrom(node: FaultNode, viewer: FaultUser, users: FaultUser[]): Promise<string[]> {
    const { status, body } = await api<Array<{ userId: string; online: boolean }>>(node, viewer, 'GET', `/presence?userIds=${users.map((u) => u.id).join(',')}`);
    if (status !== 200) throw new Error(`GET /presence: ${status}`);
    return body.filter((p) => p.online).map((p) => p.userId).sort();
  }

  /** Users spread over both nodes (two on A, one on B) and a viewer who shares a room with all of them. */
  async function population() {
    const viewer = faultUser('viewer');
    const [a1, a2, b1] = [faultUser('a1'), faultUser('a2'), faultUser('b1')];
    await createGroup(nodeA, viewer, [a1, a2, b1]);
    await Promise.all([connectSocket(nodeA.url, a1.token), connectSocket(nodeA.url, a2.token), connectSocket(nodeB.url, b1.token)]);
    const all = [a1, a2, b1];
    await until('everyone online', async () => (await onlineSeenFrom(nodeA, viewer, all)).length === 3, 5000);
    return { viewer, a1, a2, b1, all };
  }

  it('is whole again within one heartbeat after FLUSHALL, even when a user connects to a node first', async () => {
    const { viewer, a1, all } = await population();
    const since = { a: nodeA.lines.length, b: nodeB.lines.length };
    // Start-up and the first connections registered nothing "again": Redis had lost nothing.
    expect([...nodeA.logs(registeredAgain), ...nodeB.logs(registeredAgain)]).toEqual([]);

    const late = faultUser('late');
    await createGroup(nodeB, late, [viewer]);
    // Right after one of node A's heartbeats (its score in the nodes' sorted set moves), Redis loses everything, and a
    // user connects to A long before A's next heartbeat: that connection writes A's keys again, which used to hide
    // the loss from A for good.
    const nodeAId = (await redis.command<string[]>('HKEYS', `parley:presence:user:${a1.id}`))[0].split('|')[0];
    const beatOf = async () => Number(await redis.command<string | null>('ZSCORE', 'parley:presence:nodes', nodeAId));
    const lastBeat = await beatOf();
    await until("one of node A's heartbeats", async () => (await beatOf()) !== lastBeat, HEARTBEAT_MS * 2, 10);
    await redis.command('FLUSHALL');
    const flushed = Date.now();
    await connectSocket(nodeA.url, late.token);
    expect(Date.now() - flushed).toBeLessThan(HEARTBEAT_MS / 2);
    const everyone = [...all, late];
    let convergedAfterMs = -1;
    await until('every connected user online on both nodes', async () => {
      const [seenA, seenB] = await Promise.all([onlineSeenFrom(nodeA, viewer, everyone), onlineSeenFrom(nodeB, viewer, everyone)]);
      if (seenA.length !== 4 || seenB.length !== 4) return false;
      convergedAfterMs = Date.now() - flushed;
      return true;
    }, HEARTBEAT_MS * 3, 50);
    console.log(`Presence whole again ${convergedAfterMs} ms after FLUSHALL (heartbeat every ${HEARTBEAT_MS} ms)`);
    expect(convergedAfterMs).toBeLessThanOrEqual(HEARTBEAT_MS + 1000);
    // Each node says once that it registered its connections again.
    await Promise.all([nodeA.waitForLog(registeredAgain, HEARTBEAT_MS + 1000, since.a), nodeB.waitForLog(registeredAgain, HEARTBEAT_MS + 1000, since.b)]);
    expect(nodeA.logs(registeredAgain).length).toBe(1);
    expect(nodeB.logs(registeredAgain).length).toBe(1);
  }, 60_000);

  it('sweeps no live node after the network to Redis was cut for longer than the expiry; nothing is lost', async () => {
    const { viewer, a1, a2, b1, all } = await population();
    const since = { a: nodeA.lines.length, b: nodeB.lines.length };
    // Redis keeps running with its data, but no node reaches it: every heartbeat in it goes stale.
    link.cut();
    const cut = Date.now();
    // Meanwhile presence answers at once, from each node's own connections.
    const during = await api<Array<{ userId: string; online: boolean }>>(nodeA, viewer, 'GET', `/presence?userIds=${all.map((u) => u.id).join(',')}`);
    expect(during.status).toBe(200);
    expect(during.ms).toBeLessThan(1500);
    expect(during.body.filter((p) => p.online).map((p) => p.userId).sort()).toEqual([a1.id, a2.id].sort());
    await until('a cut longer than the expiry', () => Date.now() - cut > PRESENCE_EXPIRY_SECONDS * 1000 + 1000, 20_000, 100);
    link.restore();
    const restored = Date.now();
    // Two heartbeats after: a node that came back first would have swept the other by then (its heartbeat is stale).
    await until('two heartbeats after the link came back', () => Date.now() - restored > HEARTBEAT_MS * 2 + 500, 10_000, 100);
    expect(await onlineSeenFrom(nodeA, viewer, all)).toEqual([a1.id, a2.id, b1.id].sort());
    expect(await onlineSeenFrom(nodeB, viewer, all)).toEqual([a1.id, a2.id, b1.id].sort());
    for (const [node, from] of [[nodeA, since.a], [nodeB, since.b]] as const) {
      const lines = node.lines.slice(from);
      // No node was dead, and Redis lost nothing: nothing swept, nothing registered "again".
      expect(lines.filter((l) => sweptOrLost.test(l.msg)).map((l) => l.msg)).toEqual([]);
      // The presence outage is logged once, its end once.
      expect(lines.filter((l) => /^Presence: Redis .* failed/.test(l.msg))).toHaveLength(1);
      expect(lines.filter((l) => /Presence shared through Redis again/.test(l.msg))).toHaveLength(1);
    }
    expect({ a: nodeA.exit, b: nodeB.exit }).toEqual({ a: null, b: null });
  }, 60_000);

  it('answers at once while Redis hangs (connections open, no reply), and names the operation that timed out', async () => {
    const { viewer, a1, a2, all } = await population();
    const since = nodeA.lines.length;
    redis.pause();
    const paused = Date.now();
    // One request waits for the store's deadline (1 s) at most; once the outage is known, none waits.
    for (let i = 0; i < 3; i++) {
      const during = await api<Array<{ userId: string; online: boolean }>>(nodeA, viewer, 'GET', `/presence?userIds=${all.map((u) => u.id).join(',')}`);
      expect(during.status).toBe(200);
      expect(during.ms).toBeLessThan(1500);
      expect(during.body.filter((p) => p.online).map((p) => p.userId).sort()).toEqual([a1.id, a2.id].sort());
    }
    const failed = await nodeA.waitForLog(/^Presence: Redis .* failed/, 5000, since);
    expect(failed.msg).toMatch(/Presence: Redis [a-z ]+ \([A-Z ,]+\) failed \(TimeoutError: no answer within 1000 ms; connection open\)/);
    await until('a few seconds of a hung Redis', () => Date.now() - paused > 3000, 5000, 100);
    redis.resume();
    await nodeA.waitForLog(/Presence shared through Redis again/, HEARTBEAT_MS * 2, since);
    expect(await onlineSeenFrom(nodeA, viewer, all)).toHaveLength(3);
    // The node's Redis monitor saw the hang too (its PINGs timed out), once, and its end, once.
    const lines = nodeA.lines.slice(since);
    await nodeA.waitForLog(/Redis back/, 5000, since);
    expect(lines.filter((l) => /Redis unavailable/.test(l.msg)).length).toBeLessThanOrEqual(1);
  }, 60_000);

  it('logs one line when it sweeps a dead node: its id and how many users', async () => {
    const viewer = faultUser('viewer');
    const [c1, c2] = [faultUser('c1'), faultUser('c2')];
    await createGroup(nodeA, viewer, [c1, c2]);
    const nodeC = await FaultNode.start({ env: env() });
    const nodeId = /Presence node ([0-9a-f-]{36})/.exec((await nodeC.waitForLog(/Presence node /)).msg)?.[1];
    expect(nodeId).toBeDefined();
    await Promise.all([connectSocket(nodeC.url, c1.token), connectSocket(nodeC.url, c2.token), connectSocket(nodeC.url, c2.token)]);
    await until('c1 and c2 online', async () => (await onlineSeenFrom(nodeA, viewer, [c1, c2])).length === 2, 5000);
    // c2's second connection makes no presence event: wait until Redis holds all three connections of node C.
    await until('the three connections of node C in Redis', async () => {
      const fields = [...(await redis.command<string[]>('HKEYS', `parley:presence:user:${c1.id}`)), ...(await redis.command<string[]>('HKEYS', `parley:presence:user:${c2.id}`))];
      return fields.filter((field) => field.startsWith(`${nodeId}|`)).length === 3;
    }, 5000);
    const since = { a: nodeA.lines.length, b: nodeB.lines.length };
    await nodeC.kill();
    const killed = Date.now();
    await until('c1 and c2 offline', async () => (await onlineSeenFrom(nodeA, viewer, [c1, c2])).length === 0, PRESENCE_EXPIRY_SECONDS * 1000 + HEARTBEAT_MS * 2 + 1000, 100);
    console.log(`Users of a SIGKILLed node offline after ${Date.now() - killed} ms (expiry ${PRESENCE_EXPIRY_SECONDS} s)`);
    await until('the sweep to be logged', () => [...nodeA.lines.slice(since.a), ...nodeB.lines.slice(since.b)].some((l) => /swept dead node/.test(l.msg)), 3000);
    const swept = [...nodeA.lines.slice(since.a), ...nodeB.lines.slice(since.b)].filter((l) => /swept dead node/.test(l.msg)).map((l) => l.msg);
    expect(swept).toHaveLength(1);
    expect(swept[0]).toContain(nodeId);
    expect(swept[0]).toMatch(/3 connection\(s\) of 2 user\(s\) removed, 2 user\(s\) now offline/);
  }, 60_000);
});
