import { BASE } from '../support/chat-client';
import { FaultNode, FaultRedis, cleanUpAfterAll, createDatabase, until } from '../support/fault-services';
import { RedisDelayProxy } from '../support/redis-delay-proxy';
import { closeSockets, connectSocket, type ChatClient } from '../support/sockets';
import { tokenFor } from '../support/test-app';
import { VersionGate } from '../../src/demo/client/version-gate';

/**
 * Issue 15, item 8: events of one room arrive out of version order across nodes. Each node publishes the changes
 * it made after their commit; node B's own events reach its sockets at once, node A's come through Redis. Here
 * B's link to Redis is slowed for real (a proxy holds what Redis delivers to B's subscriber connection), so a
 * change made on A (v+1) reaches a client of B after the next change, made on B (v+2).
 *
 * The client rule (README "Versions across nodes", docs/socket-events.md rule 3, the demo's VersionGate): hold v+2,
 * apply v+1 then v+2 when v+1 comes, and sync only when a gap outlives its grace period. The same events are fed
 * to a gate with no grace (the old rule, "sync on every jump"), which makes the sync the new rule saves.
 */
describe('room versions across nodes (two nodes, one with a slow Redis link)', () => {
  cleanUpAfterAll();
  let redis: FaultRedis;
  let proxy: RedisDelayProxy;
  let nodeA: FaultNode;
  let nodeB: FaultNode;

  beforeAll(async () => {
    let databaseUrl: string;
    [redis, databaseUrl] = await Promise.all([FaultRedis.start(), createDatabase()]);
    proxy = new RedisDelayProxy({ host: '127.0.0.1', port: redis.port });
    await proxy.start();
    nodeA = await FaultNode.start({ env: { DATABASE_URL: databaseUrl, REDIS_URL: redis.url } });
    nodeB = await FaultNode.start({ env: { DATABASE_URL: databaseUrl, REDIS_URL: proxy.url } });
  }, 60_000);
  afterEach(() => {
    proxy.release();
    closeSockets();
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  /** A client of node B: the room's version as the client holds it, fed through a gate; syncs are real `changes` calls. */
  async function clientOnB(graceMs: number, names: string[] = ['ann', 'bob']) {
    const [ann, bob] = names.map((name) => {
      const id = `u-${name}-${Math.random().toString(36).slice(2)}`;
      return { id, token: tokenFor(id, name) };
    });
    const created = await fetch(`${nodeA.url}${BASE}/rooms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ann.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'group', title: 'Versions', memberIds: [bob.id] }),
    });
    expect(created.status).toBe(201);
    const room = (await created.json()) as { id: string; version: number };
    const holds = { version: room.version };
    const applied: number[] = [];
    const arrived: number[] = [];
    const sync = async (state: { version: number }) => {
      let since = state.version;
      for (;;) {
        const response = await fetch(`${nodeB.url}${BASE}/rooms/${room.id}/changes?since=${since}`, { headers: { authorization: `Bearer ${bob.token}` } });
        const page = (await response.json()) as { version: number; hasMore: boolean };
        state.version = Math.max(state.version, page.version);
        if (!page.hasMore) return;
        since = page.version;
      }
    };
    const gate = new VersionGate({ version: () => holds.version, sync: () => sync(holds), graceMs });
    // The old rule on the same events: a jump syncs at once.
    const jumpHolds = { version: room.version };
    const everyJump = new VersionGate({ version: () => jumpHolds.version, sync: () => sync(jumpHolds), graceMs: 0 });
    const socket: ChatClient = await connectSocket(nodeB.url, bob.token);
    socket.on('message.created', ({ roomId, version }) => {
      if (roomId !== room.id) return;
      arrived.push(version);
      gate.offer(roomId, version, () => {
        applied.push(version);
        if (version === holds.version + 1) holds.version = version;
      });
      everyJump.offer(roomId, version, () => {
        if (version === jumpHolds.version + 1) jumpHolds.version = version;
      });
    });
    const send = async (node: FaultNode, body: string) => {
      const response = await fetch(`${node.url}${BASE}/rooms/${room.id}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ann.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ body }),
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { version: number }).version;
    };
    return { room, holds, applied, arrived, gate, everyJump, send };
  }

  it('holds an event that overtook its predecessor and applies both in order, without a sync', async () => {
    const c = await clientOnB(1000);
    const start = c.room.version;
    // Healthy first: a change made on A reaches B's client through Redis.
    expect(await c.send(nodeA, 'warm-up')).toBe(start + 1);
    await until('the warm-up on B', () => c.applied.includes(start + 1));

    proxy.hold();
    const first = await c.send(nodeA, 'made on A, delayed on its way to B');
    const second = await c.send(nodeB, 'made on B, delivered by B at once');
    expect([first, second]).toEqual([start + 2, start + 3]);
    await until('the event made on B to reach the client first', () => c.arrived.includes(second));
    expect(c.arrived).not.toContain(first);
    // Held, not applied: the client is still complete up to the warm-up.
    expect(c.applied).toEqual([start + 1]);
    proxy.release();
    await until('the delayed event', () => c.arrived.includes(first));

    expect(c.arrived).toEqual([start + 1, second, first]);
    expect(c.applied).toEqual([start + 1, first, second]);
    expect(c.holds.version).toBe(second);
    expect(c.gate.stats).toEqual({ held: 1, filled: 1, syncs: 0 });
    // Syncing on every jump would have called `changes` for this crossing (and, before this rule, the demo did).
    await until('the every-jump client to finish its sync', () => c.everyJump.stats.syncs === 1);
  });

  it('syncs once when the missing event is late beyond the grace period, and drops what the sync covered', async () => {
    const c = await clientOnB(300);
    const start = c.room.version;
    proxy.hold();
    const first = await c.send(nodeA, 'made on A, held past the grace period');
    const second = await c.send(nodeB, 'made on B');
    await until('the event made on B', () => c.arrived.includes(second));
    // The gap outlives the grace period: one `changes?since=` brings the client to the server's version.
    await until('the sync after the grace period', () => c.gate.stats.syncs === 1 && c.holds.version === second, 5000);
    // Both came with the sync: the held event is not applied again.
    expect(c.applied).toEqual([]);
    proxy.release();
    await until('the late event', () => c.arrived.includes(first));
    // Late and already covered: applied as an old event (a no-op for a client that ignores old versions), no sync.
    expect(c.applied).toEqual([first]);
    expect(c.holds.version).toBe(second);
    expect(c.gate.stats.syncs).toBe(1);
  });
});
