import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { io, type Socket } from 'socket.io-client';
import { BASE } from '../support/chat-client';
import { FaultNode, cleanUpAfterAll, createDatabase, until } from '../support/fault-services';
import { tokenFor } from '../support/test-app';

/**
 * Issue 15, item 5: a reconnect storm. 800 sockets of one node drop and reconnect at once, each then syncing its
 * room with `changes?since=` as the contract says, while a member keeps sending. The sends must not wait for the
 * storm (the writer has a database connection of its own; handshakes take turns, a few at a time), the health
 * checks must tell a busy node from a dead one (`/health/live` 200 throughout, `/health/ready` and `/health` never
 * 503 while the database answers), and every socket must be back and synced in the end.
 *
 * The health checks are asked by a process of their own every 100 ms, so the test process's own load (800
 * clients) does not count against the server. Sends: every one issued during the storm (but its last second) is
 * acknowledged before the storm is over (order; their p50/p99 are printed, not asserted: about 200 ms p99 on 2 busy cores). Before the
 * fix the writer took its connection from the same pool of 10 as the storm's handshakes, presence updates and syncs:
 * sends waited behind them (p99 about 2 s in this test, 8 s in the two-node run), and `/health` asked the
 * database through that pool too; `/health/live` and `/health/ready` did not exist.
 */
describe('reconnect storm (800 sockets of one node at once)', () => {
  cleanUpAfterAll();
  const STORM_USERS = 800;
  const ROOMS = 40;
  /** Sends issued in the storm's last second may be acknowledged after it. */
  const LAST_SECOND_MS = 1000;
  const POOL_SIZE = 4;
  let node: FaultNode;

  beforeAll(async () => {
    node = await FaultNode.start({ env: { DATABASE_URL: await createDatabase(), DATABASE_POOL_SIZE: String(POOL_SIZE), LOG_LEVEL: 'warn', SOCKET_EVENTS_PER_SECOND: '100' } });
  }, 60_000);

  it('keeps sends and health going while 800 sockets reconnect and sync, and brings every socket back', async () => {
    const t0 = Date.now();
    const progress = (what: string) => process.stderr.write(`storm-reconnect: ${what} at ${Date.now() - t0} ms\n`);
    const tag = `storm${Date.now()}`;
    const owner = { id: `${tag}-owner`, token: tokenFor(`${tag}-owner`) };
    const users = Array.from({ length: STORM_USERS }, (_, index) => ({ id: `${tag}-u${index}`, token: tokenFor(`${tag}-u${index}`), room: '', version: 0 }));
    // 40 rooms of 20 members (presence changes go to the room's members).
    const roomIds = await inBatches(Array.from({ length: ROOMS }, (_, r) => r), 8, async (r) => {
      const members = users.filter((_, index) => index % ROOMS === r);
      const room = await api<{ id: string; version: number }>('POST', '/rooms', owner.token, { type: 'group', title: `storm ${r}`, memberIds: members.map((member) => member.id) });
      for (const member of members) Object.assign(member, { room: room.id, version: room.version });
      return room.id;
    });
    const sockets = await inBatches(users, 50, (user) => connect(user.token));
    const sender = await connect(owner.token);
    progress('rooms created, sockets connected');

    const health = watchHealth(node.url);
    const sends: Array<{ issued: number; acked?: number; ok?: boolean }> = [];
    let storming = true;
    const sending = (async () => {
      for (let n = 0; storming; n++) {
        const started = Date.now();
        const send: (typeof sends)[number] = { issued: started };
        sends.push(send);
        sender
          .timeout(60_000)
          .emitWithAck('message.send', { roomId: roomIds[0], body: `during the storm ${n}`, clientId: `storm-send-${n}` })
          .then(
            (ack: { ok: boolean }) => Object.assign(send, { acked: Date.now(), ok: ack.ok }),
            () => Object.assign(send, { acked: Date.now(), ok: false }),
          );
        await until('the next send', () => Date.now() - started >= 50, 5000, 5);
      }
    })();
    try {
      await until('sends and health probes before the storm', () => sends.filter((send) => send.acked).length >= 5 && health.probes.length >= 6, 15_000);

      // The storm: every socket drops and reconnects at once; each client then syncs its room.
      for (const socket of sockets) socket.disconnect();
      const stormStarted = Date.now();
      let refused = 0;
      const reconnectedAt: number[] = [];
      const synced = await Promise.all(
        users.map(async (user, index) => {
          for (;;) {
            try {
              await reconnect(sockets[index]);
              break;
            } catch (error) {
              // 503 SERVER_BUSY: connect again after retryAfterSeconds, as a client should (with some jitter).
              const data = (error as { data?: { statusCode?: number; retryAfterSeconds?: number } }).data;
              if (data?.statusCode !== 503) throw error;
              refused++;
              const wait = (data.retryAfterSeconds ?? 1) * 1000 * (1 + Math.random());
              const from = Date.now();
              await until('the retry delay', () => Date.now() - from >= wait, wait + 1000, 50);
            }
          }
          reconnectedAt.push(Date.now());
          await api('GET', `/rooms/${user.room}/changes?since=${user.version}`, user.token);
          return Date.now();
        }),
      );
      const stormOver = Math.max(...synced);
      progress('storm over');
      storming = false;
      await sending;
      await until('every send to be acknowledged', () => sends.every((send) => send.acked !== undefined), 60_000);
      const probes = await health.stop();

      const during = sends.filter((send) => send.issued >= stormStarted && send.issued < stormOver);
      const latencies = during.map((send) => (send.acked as number) - send.issued).sort((a, b) => a - b);
      const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)];
      const inStorm = probes.filter((probe) => probe.at >= stormStarted && probe.at < stormOver);
      const slowest = (path: string) => Math.max(0, ...inStorm.filter((probe) => probe.path === path).map((probe) => probe.ms));
      const readiness = [...new Set(inStorm.filter((probe) => probe.path === '/health/ready').map((probe) => `${probe.status} ${probe.body?.status}`))];
      console.log(
        `storm-reconnect: ${STORM_USERS} sockets reconnected in ${Math.max(...reconnectedAt) - stormStarted} ms and synced in ${stormOver - stormStarted} ms ` +
          `(${refused} handshakes refused 503 SERVER_BUSY and retried); ${during.length} sends meanwhile: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${latencies.at(-1)} ms; ` +
          `${inStorm.length} health probes, slowest /health/live ${slowest('/health/live')} ms, /health/ready ${slowest('/health/ready')} ms, /health ${slowest('/health')} ms; ` +
          `readiness: ${readiness.join(', ')}; event-loop delay p99 up to ${Math.max(0, ...inStorm.map((probe) => probe.body?.load?.eventLoopDelayMs?.p99 ?? 0))} ms, ` +
          `up to ${Math.max(0, ...inStorm.map((probe) => probe.body?.load?.databasePool?.waiting ?? 0))} requests waiting for the pool`,
      );

      expect(sends.filter((send) => !send.ok)).toEqual([]);
      expect(during.length).toBeGreaterThan(5);
      // By order: every send issued during the storm (but its last second) is acknowledged before the storm is over.
      expect(during.filter((send) => send.issued < stormOver - LAST_SECOND_MS && (send.acked as number) > stormOver)).toEqual([]);
      // A busy node is alive and ready: no probe failed or went unanswered, before, during or after the storm.
      expect(inStorm.filter((probe) => probe.path === '/health/live').length).toBeGreaterThan(0);
      expect(probes.filter((probe) => probe.status !== 200)).toEqual([]);
      expect(sockets.every((socket) => socket.connected)).toBe(true);
      expect(node.alive).toBe(true);
    } finally {
      storming = false;
      await health.stop();
      for (const socket of [...sockets, sender]) socket.disconnect();
    }
  }, 150_000);

  function connect(token: string): Promise<Socket> {
    const socket = io(`${node.url}/chat`, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true, timeout: 60_000 });
    return reconnect(socket).then(() => socket);
  }

  /** Connects (again); rejects with the connect_error (its `data` says why: 503 SERVER_BUSY with `retryAfterSeconds`). */
  function reconnect(socket: Socket): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        socket.off('connect', onConnect);
        socket.off('connect_error', onError);
        socket.io.off('close', onClose);
        if (error) reject(error);
        else resolve();
      };
      const onConnect = () => done();
      const onError = (error: Error) => done(error);
      // The connection closed before the namespace answered: as a refusal, try again shortly.
      const onClose = () => done(Object.assign(new Error('closed while connecting'), { data: { statusCode: 503, retryAfterSeconds: 1 } }));
      socket.on('connect', onConnect);
      socket.on('connect_error', onError);
      socket.io.on('close', onClose);
      socket.connect();
    });
  }

  /**
   * One JSON request. The 800 clients' requests share 64 keep-alive connections (as behind a proxy): the test process
   * would otherwise open a TCP connection per request, and measure its own connects.
   */
  async function api<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
    for (;;) {
      const response = await httpRequest(method, `${node.url}${BASE}${path}`, token, body);
      // A busy node says when to come back (503 with Retry-After): a client waits and asks again.
      if (response.status === 503 && method === 'GET') {
        const wait = Number(response.retryAfter ?? 1) * 1000;
        const from = Date.now();
        await until('the Retry-After delay', () => Date.now() - from >= wait, wait + 1000, 50);
        continue;
      }
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
      return JSON.parse(response.text) as T;
    }
  }
});

interface Probe {
  path: string;
  at: number;
  status: number;
  ms: number;
  body?: { status?: string; load?: { eventLoopDelayMs?: { p99: number }; databasePool?: { waiting: number } | null } };
}

/**
 * `/health/live`, `/health/ready` and `/health` asked every 100 ms by a process of its own (5 s timeout: status 0),
 * as a load balancer would; `stop()` ends it (by pid) and resolves with every answer.
 */
function watchHealth(url: string): { probes: Probe[]; stop: () => Promise<Probe[]> } {
  const script = `
    const [url] = process.argv.slice(1);
    (async () => {
      for (;;) {
        const round = Date.now();
        for (const path of ['/health/live', '/health/ready', '/health']) {
          const at = Date.now();
          let status = 0, body;
          try {
            const response = await fetch(url + path, { signal: AbortSignal.timeout(5000) });
            status = response.status;
            body = await response.json();
          } catch {}
          process.stdout.write(JSON.stringify({ path, at, status, ms: Date.now() - at, body }) + '\\n');
        }
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - round))));
      }
    })();`;
  const child = spawn(process.execPath, ['-e', script, url], { stdio: ['ignore', 'pipe', 'inherit'] });
  const probes: Probe[] = [];
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line) probes.push(JSON.parse(line) as Probe);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    probes,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      return probes;
    },
  };
}

/** Idle keep-alive connections are dropped after 4 s, before the server's own 5 s keep-alive timeout closes them. */
const agent = new Agent({ keepAlive: true, maxSockets: 64, timeout: 4000 });

/**
 * One request; a GET whose reused keep-alive connection was closed by the server as it was sent (ECONNRESET) is
 * sent again on a new one, as Node's documentation advises: the server never saw it.
 */
async function httpRequest(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; retryAfter: string | undefined; text: string }> {
  for (;;) {
    try {
      return await httpRequestOnce(method, url, token, body);
    } catch (error) {
      const { code, reusedSocket } = error as { code?: string; reusedSocket?: boolean };
      if (method !== 'GET' || code !== 'ECONNRESET' || !reusedSocket) throw error;
    }
  }
}

function httpRequestOnce(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; retryAfter: string | undefined; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, timeout: 60_000, headers: { authorization: `Bearer ${token}`, ...(payload && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', (error) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
    req.end(payload);
  });
}

/** Runs `work` over `items`, `size` at a time, keeping the order of the results. */
async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}
