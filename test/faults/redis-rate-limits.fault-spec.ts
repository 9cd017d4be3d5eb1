import { FaultNode, FaultRedis, api, cleanUpAfterAll, createDatabase, createGroup, faultUser, until, type FaultUser } from '../support/fault-services';

/**
 * Issue 15, item 1, the per-user rate limits under a real Redis outage: they are counted in Redis (shared by every
 * node); while Redis is away they must fail open to this node's memory, not fail the request, and still hold per
 * node; once Redis is back, hits are counted in it again.
 */
describe('per-user rate limits while Redis is away', () => {
  cleanUpAfterAll();
  // 5 messages, then one every 10 s: a sixth within the test is always refused.
  const BURST = 5;
  let redis: FaultRedis;
  let node: FaultNode;

  beforeAll(async () => {
    const [started, databaseUrl] = await Promise.all([FaultRedis.start(), createDatabase()]);
    redis = started;
    node = await FaultNode.start({ env: { DATABASE_URL: databaseUrl, REDIS_URL: redis.url, RATE_LIMITS: 'on', RATE_LIMIT_MESSAGES: `${BURST}:0.1` } });
  }, 60_000);

  /** Sends `count` messages one after the other; resolves with their statuses and the slowest answer. */
  async function sendMany(user: FaultUser, roomId: string, count: number): Promise<{ statuses: number[]; slowestMs: number }> {
    const statuses: number[] = [];
    let slowestMs = 0;
    for (let i = 0; i < count; i++) {
      const { status, ms } = await api(node, user, 'POST', `/rooms/${roomId}/messages`, { body: `limited ${i}` });
      statuses.push(status);
      slowestMs = Math.max(slowestMs, ms);
    }
    return { statuses, slowestMs };
  }

  it('counts in memory while Redis is away (answers, and still limits), and in Redis again once it is back', async () => {
    const before = faultUser('before');
    const room = await createGroup(node, before, []);
    expect((await sendMany(before, room.id, BURST + 1)).statuses).toEqual([...Array(BURST).fill(201), 429]);
    expect((await redis.command<string[]>('KEYS', '*rate*')).length).toBeGreaterThan(0);

    const since = node.lines.length;
    await redis.stop('SIGKILL');
    const during = faultUser('during');
    const duringRoom = await createGroup(node, during, []);
    const outage = await sendMany(during, duringRoom.id, BURST + 1);
    // Fails open to this node's memory: no 500, no wait on Redis; and the limit still holds on this node.
    expect(outage.statuses).toEqual([...Array(BURST).fill(201), 429]);
    expect(outage.slowestMs).toBeLessThan(1500);
    expect(node.logs(/rate-limit storage failed/).length).toBe(1);

    await redis.start();
    // Redis came back empty: once the node counts there again, a send leaves a key in it.
    const after = faultUser('after');
    const afterRoom = await createGroup(node, after, []);
    let sent = 0;
    await until('hits counted in Redis again', async () => {
      const { status } = await api(node, after, 'POST', `/rooms/${afterRoom.id}/messages`, { body: `after ${sent++}` });
      expect(status).toBe(201);
      return (await redis.command<string[]>('KEYS', '*rate*')).length > 0;
    }, 10_000, 500);
    await node.waitForLog(/rate-limit storage answers again/, 5000, since);
    expect(node.logs(/rate-limit storage answers again/).length).toBe(1);
    expect(node.lines.slice(since).filter((line) => line.level >= 50)).toEqual([]);
    expect(node.exit).toBeNull();
  }, 60_000);

  it('stops cleanly and quickly when asked to while Redis is away', async () => {
    await redis.stop('SIGKILL');
    const since = node.lines.length;
    const stopping = Date.now();
    // main.ts ends the process by raising the signal again once the application is closed.
    expect(await node.stop('SIGTERM')).toEqual({ code: null, signal: 'SIGTERM' });
    expect(Date.now() - stopping).toBeLessThan(5000);
    expect(node.lines.slice(since).filter((line) => line.level >= 50)).toEqual([]);
  }, 30_000);
});
