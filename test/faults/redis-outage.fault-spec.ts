import { Client } from 'pg';
import { BASE } from '../support/chat-client';
import { FaultNode, FaultRedis, cleanUpAfterAll, createDatabase, until } from '../support/fault-services';
import { closeSockets, connectSocket, record, type ChatClient } from '../support/sockets';
import { tokenFor } from '../support/test-app';

/**
 * Issue 15, item 1: a Redis outage must not take a node down. Two server processes share a PostgreSQL database
 * and the test's own Redis; Redis is stopped for real under a steady load of sends (clients retrying with the same
 * clientId, as the contract says). Both nodes must stay alive and keep serving HTTP and their own sockets, a node
 * started while Redis is away must come up and serve, and cross-node delivery must resume within seconds of Redis
 * coming back, each node logging the outage once and its end once.
 */
describe('Redis outage (two nodes, real Redis stopped)', () => {
  cleanUpAfterAll();
  const PRESENCE_EXPIRY_SECONDS = 3;
  let redis: FaultRedis;
  let databaseUrl: string;
  let nodeA: FaultNode;
  let nodeB: FaultNode;
  const env = () => ({ DATABASE_URL: databaseUrl, REDIS_URL: redis.url, PRESENCE_EXPIRY_SECONDS: String(PRESENCE_EXPIRY_SECONDS) });

  beforeAll(async () => {
    [redis, databaseUrl] = await Promise.all([FaultRedis.start(), createDatabase()]);
    [nodeA, nodeB] = await Promise.all([FaultNode.start({ env: env() }), FaultNode.start({ env: env() })]);
  }, 60_000);
  const loads: SendLoad[] = [];
  afterEach(async () => {
    closeSockets();
    await Promise.all(loads.splice(0).map((load) => load.stop()));
  });

  it('keeps both nodes serving while Redis is away, starts a node without it, and resumes fan-out when it is back', async () => {
    const [ann, bob] = [user('ann'), user('bob')];
    const room = await createGroup(nodeA, ann, [bob]);
    const bobOnA = await connectSocket(nodeA.url, bob.token);
    const bobOnB = await connectSocket(nodeB.url, bob.token);
    const onA = record(bobOnA, 'message.created');
    const onB = record(bobOnB, 'message.created');
    // Healthy: a message sent through A reaches B's socket.
    const first = await send(nodeA, ann, room.id, 'before');
    await until('cross-node delivery before the outage', () => onB.some((p) => p.message.id === first.id));

    const load = new SendLoad([nodeA, nodeB], ann, room.id);
    loads.push(load);
    await until('the load to be acknowledged', () => load.acked.size >= 20, 10_000);
    const linesBefore = { a: nodeA.lines.length, b: nodeB.lines.length };
    const acksBeforeOutage = load.acked.size;
    await redis.stop('SIGTERM');
    const stopped = Date.now();

    // Both nodes keep acknowledging sends and delivering to their own sockets; they outlive the 0.1-5.3 s in which
    // they used to exit, and a presence expiry (3 s) too.
    await until('6 s of outage under load', () => Date.now() - stopped >= 6000, 10_000, 100);
    expect({ a: nodeA.exit, b: nodeB.exit }).toEqual({ a: null, b: null });
    const sentDuringOutage = [...load.acked.values()].filter((ack) => ack.at > stopped + 1000);
    expect(sentDuringOutage.filter((ack) => ack.node === nodeA.url).length).toBeGreaterThan(20);
    expect(sentDuringOutage.filter((ack) => ack.node === nodeB.url).length).toBeGreaterThan(20);
    const local = await send(nodeA, ann, room.id, 'during the outage, same node');
    await until('delivery to a socket of the same node during the outage', () => onA.some((p) => p.message.id === local.id), 3000);
    // The contract's /health says Redis is away (503); liveness and readiness keep the node in rotation.
    for (const node of [nodeA, nodeB]) {
      const health = await fetch(`${node.url}/health`);
      expect(health.status).toBe(503);
      expect(((await health.json()) as { details: { redis: { connection: string } } }).details.redis.connection).toBe('unavailable');
      expect((await fetch(`${node.url}/health/live`)).status).toBe(200);
      const ready = await fetch(`${node.url}/health/ready`);
      expect({ status: ready.status, body: (await ready.json()) as unknown }).toMatchObject({ status: 200, body: { status: 'degraded', redis: 'down' } });
    }

    // A node started while Redis is away comes up and serves its own sockets and HTTP.
    const startingC = Date.now();
    const nodeC = await FaultNode.start({ env: env() });
    console.log(`A node started without Redis answered ${Date.now() - startingC} ms after its process was spawned`);
    const annOnC = await connectSocket(nodeC.url, ann.token);
    const onC = record(annOnC, 'message.created');
    const viaC = await send(nodeC, bob, room.id, 'through a node started without Redis');
    await until('delivery on the node started without Redis', () => onC.some((p) => p.message.id === viaC.id), 3000);

    // Redis back on the same port: cross-node delivery resumes within seconds.
    await redis.start();
    const restarted = Date.now();
    let resumedAfterMs = -1;
    await until('cross-node delivery after Redis restarted', async () => {
      const probe = await send(nodeA, ann, room.id, `probe ${Date.now()}`);
      const arrived = await until('the probe on B and C', () => onB.some((p) => p.message.id === probe.id) && onC.some((p) => p.message.id === probe.id), 400, 20).then(
        () => true,
        () => false,
      );
      if (arrived) resumedAfterMs = Date.now() - restarted;
      return arrived;
    }, 15_000, 0);
    console.log(`Cross-node delivery resumed ${resumedAfterMs} ms after Redis restarted`);
    expect(resumedAfterMs).toBeLessThan(10_000);
    await load.stop();

    // One line when the outage starts and one when it ends, per node, whatever the number of events meanwhile.
    for (const [node, since] of [
      [nodeA, linesBefore.a],
      [nodeB, linesBefore.b],
      [nodeC, 0],
    ] as const) {
      await node.waitForLog(/Redis back/, 10_000, since);
      const after = node.lines.slice(since);
      expect({ node: node.pid, unavailable: after.filter((l) => /Redis unavailable/.test(l.msg)).length }).toEqual({ node: node.pid, unavailable: 1 });
      expect({ node: node.pid, back: after.filter((l) => /Redis back/.test(l.msg)).length }).toEqual({ node: node.pid, back: 1 });
      // Nothing else about Redis once per event: no error lines at all, and at most a few warnings.
      expect(after.filter((l) => l.level >= 50)).toEqual([]);
      expect(after.filter((l) => l.level === 40).length).toBeLessThanOrEqual(6);
    }
    expect({ a: nodeA.exit, b: nodeB.exit, c: nodeC.exit }).toEqual({ a: null, b: null, c: null });
    console.log(`Node A's log of the outage:\n${nodeA.lines.slice(linesBefore.a).filter((l) => l.level >= 40 || /Redis|Presence/.test(l.msg)).map((l) => `${l.level} ${l.context}: ${l.msg}`).join('\n')}`);

    // Every acknowledged send is stored once; nothing acknowledged was lost.
    const stored = await storedClientIds(room.id);
    for (const clientId of load.acked.keys()) expect(stored.get(clientId)).toBe(1);
    expect(load.acked.size).toBeGreaterThan(acksBeforeOutage + 100);
    expect(load.givenUp).toEqual([]);
    console.log(`Sends: ${load.acked.size} acknowledged, ${load.failures} failed attempts (${JSON.stringify(load.failureKinds)}), retried by clientId`);
  }, 80_000);

  // --- helpers -------------------------------------------------------------------------------------------------

  function user(name: string) {
    const id = `u-${name}-${Math.random().toString(36).slice(2)}`;
    return { id, token: tokenFor(id, name) };
  }

  async function createGroup(node: FaultNode, owner: ReturnType<typeof user>, members: Array<ReturnType<typeof user>>): Promise<{ id: string }> {
    const response = await fetch(`${node.url}${BASE}/rooms`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${owner.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'group', title: 'Faults', memberIds: members.map((m) => m.id) }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string };
  }

  async function send(node: FaultNode, from: ReturnType<typeof user>, roomId: string, body: string): Promise<{ id: string; seq: number }> {
    const response = await fetch(`${node.url}${BASE}/rooms/${roomId}/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${from.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ body }),
      signal: AbortSignal.timeout(5000),
    });
    if (response.status !== 201) throw new Error(`send through ${node.url}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string; seq: number };
  }

  async function storedClientIds(roomId: string): Promise<Map<string, number>> {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ client_id: string; n: number }>('SELECT client_id, count(*)::int AS n FROM chat_messages WHERE room_id = $1 AND client_id IS NOT NULL GROUP BY client_id', [roomId]);
      return new Map(rows.map((row) => [row.client_id, row.n]));
    } finally {
      await client.end();
    }
  }

  /**
   * A steady load of HTTP sends, alternating between nodes, about 40 a second; a send that fails (network error,
   * 5xx, 429) is retried with the same clientId until it is acknowledged, as the contract tells clients to.
   */
  class SendLoad {
    readonly acked = new Map<string, { node: string; at: number }>();
    /** Sends never acknowledged within 20 s of retries. */
    readonly givenUp: string[] = [];
    failures = 0;
    readonly failureKinds: Record<string, number> = {};
    private running = true;
    private readonly loops: Array<Promise<void>>;

    constructor(nodes: FaultNode[], from: ReturnType<typeof user>, roomId: string) {
      this.loops = nodes.map((node, index) => this.loop(node, from, roomId, index));
    }

    async stop(): Promise<void> {
      this.running = false;
      await Promise.all(this.loops);
    }

    private async loop(node: FaultNode, from: ReturnType<typeof user>, roomId: string, index: number): Promise<void> {
      let n = 0;
      while (this.running) {
        const clientId = `load-${index}-${n++}`;
        const started = Date.now();
        for (;;) {
          try {
            const response = await fetch(`${node.url}${BASE}/rooms/${roomId}/messages`, {
              method: 'POST',
              headers: { Authorization: `Bearer ${from.token}`, 'Content-Type': 'application/json' },
              body: JSON.stringify({ body: `load ${clientId}`, clientId }),
              signal: AbortSignal.timeout(3000),
            });
            await response.arrayBuffer();
            if (response.status === 201) {
              this.acked.set(clientId, { node: node.url, at: Date.now() });
              break;
            }
            this.fail(String(response.status));
          } catch (error) {
            this.fail(error instanceof Error ? error.name : 'error');
          }
          if (!this.running || Date.now() - started > 20_000) {
            this.givenUp.push(clientId);
            break;
          }
          // The load's own pace, as a client's: a retry 100 ms after a failure, a send every 50 ms per loop.
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    private fail(kind: string): void {
      this.failures++;
      this.failureKinds[kind] = (this.failureKinds[kind] ?? 0) + 1;
    }
  }
});
