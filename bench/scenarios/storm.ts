import type { BenchContext } from '../lib/context';
import { API, http, tokenFor } from '../lib/http';
import { buildTopology, closeTopology, type LoadRoom } from '../lib/load';
import { CpuMeter } from '../lib/meter';
import { log, type ServerProcess } from '../lib/procs';
import { ackOk, LeanSocket } from '../lib/sio-client';
import { round, Samples, sleep, waitFor, type Summary } from '../lib/stats';

export interface StormResult {
  sockets: number;
  rooms: number;
  /** From the moment every socket dropped until the last one had reconnected, and until the last had synced. */
  reconnectedSeconds: number | null;
  syncedSeconds: number | null;
  /** Sockets back, and synced, at the end (out of `sockets`). */
  reconnected: number;
  synced: number;
  /** Handshakes refused 503 SERVER_BUSY (the client waited `retryAfterSeconds` and tried again), and other failed attempts. */
  refusedHandshakes: number;
  failedAttempts: number;
  failureSamples: string[];
  /** Syncs answered 503 (retried after `Retry-After`). */
  syncRetries: number;
  /** Handshake (every attempt) and sync latency, ms. */
  connectMs: Summary;
  syncMs: Summary;
  /** `message.send` acks of one member sending 20 messages/s during the storm. */
  sends: { sent: number; failed: number; ackMs: Summary };
  /** A send before the storm, for comparison. */
  sendsBefore: { sent: number; failed: number; ackMs: Summary };
  /** Health probes every 200 ms during the storm: answers that were not 200, and the slowest. */
  health: Record<string, { probes: number; non200: number; slowestMs: number; statuses: string[] }>;
  serverCpu: number | null;
  postgresCpu: number | null;
  generatorCpu: number | null;
  error?: string;
}

const SEND_RATE = 20;

/**
 * The reconnect storm (issue 15, item 5): `--storm-sockets` (5,000) sockets of one node, 20 members per room, drop
 * at once (their TCP connections cut) and reconnect at once; each, once connected, syncs its room with
 * `changes?since=<its version>` as the contract says (503 answers are retried after `Retry-After`, refused handshakes
 * after `retryAfterSeconds`, as clients should). Meanwhile a member on a socket of its own sends 20 messages/s and
 * the health checks are asked every 200 ms. Measured: the time until every socket is back and until every one has
 * synced, the sends' ack latency meanwhile, the health answers.
 */
export async function stormScenario(ctx: BenchContext): Promise<Record<string, unknown>> {
  const sockets = ctx.options.stormSockets;
  const membersPerRoom = 20;
  const roomCount = Math.ceil(sockets / membersPerRoom);
  const result: StormResult = {
    sockets: roomCount * membersPerRoom,
    rooms: roomCount,
    reconnectedSeconds: null,
    syncedSeconds: null,
    reconnected: 0,
    synced: 0,
    refusedHandshakes: 0,
    failedAttempts: 0,
    failureSamples: [],
    syncRetries: 0,
    connectMs: new Samples().summary(),
    syncMs: new Samples().summary(),
    sends: { sent: 0, failed: 0, ackMs: new Samples().summary() },
    sendsBefore: { sent: 0, failed: 0, ackMs: new Samples().summary() },
    health: {},
    serverCpu: null,
    postgresCpu: null,
    generatorCpu: null,
  };
  let server: ServerProcess | undefined;
  let rooms: LoadRoom[] = [];
  let sender: LeanSocket | undefined;
  try {
    server = await ctx.startParley('storm-parley', {}, ctx.options.cpuProf);
    const url = server.url;
    log(`storm: ${result.sockets} sockets in ${roomCount} rooms of ${membersPerRoom}`);
    rooms = await buildTopology({ kind: 'parley', urls: [url], rooms: roomCount, membersPerRoom, secret: ctx.secret, tag: ctx.tag('s') });
    const versions = new Map<string, number>();
    for (const room of rooms) {
      const answer = await http<{ version: number }>(url, 'GET', `${API}/rooms/${room.id}`, tokenFor(ctx.secret, room.members[0].userId));
      versions.set(room.id, answer.body.version);
    }
    // The sender: member 0 of room 0, on a socket of its own that stays up.
    const senderMember = rooms[0].members[0];
    sender = await LeanSocket.connect(url, '/chat', { token: tokenFor(ctx.secret, senderMember.userId) });
    const send = sendLoop(sender, rooms[0].id);
    await sleep(2000);
    result.sendsBefore = await send.stop();

    await ctx.waitQuiet('the storm');
    await ctx.refreshBackends();
    const meter = new CpuMeter({ servers: [{ name: server.name, pid: server.pid }], postgres: () => ctx.backends.pids });
    const probes = probeHealth(url);
    const during = sendLoop(sender, rooms[0].id);
    meter.start();
    // Every socket's connection cut at once (as when a load balancer or a network drops them), then all reconnect.
    for (const room of rooms) for (const member of room.members) member.socket.terminate();
    const started = performance.now();
    const connectMs = new Samples();
    const syncMs = new Samples();
    let lastConnected = 0;
    let lastSynced = 0;
    const members = rooms.flatMap((room) => room.members.map((member) => ({ member, room })));
    await Promise.all(
      members.map(async ({ member, room }) => {
        const token = tokenFor(ctx.secret, member.userId);
        for (let attempt = 0; ; attempt++) {
          const t0 = performance.now();
          try {
            member.socket = await LeanSocket.connect(url, '/chat', { token }, 60_000);
            connectMs.push(performance.now() - t0);
            break;
          } catch (error) {
            connectMs.push(performance.now() - t0);
            const data = (error as { data?: { statusCode?: number; retryAfterSeconds?: number } }).data;
            if (data?.statusCode === 503) result.refusedHandshakes++;
            else {
              result.failedAttempts++;
              if (result.failureSamples.length < 5) result.failureSamples.push(error instanceof Error ? error.message : String(error));
            }
            if (attempt >= 30 || performance.now() - started > 300_000) throw error;
            // As a client should: after `retryAfterSeconds` (1 s for other failures), with jitter.
            await sleep((data?.retryAfterSeconds ?? 1) * 1000 * (1 + Math.random()));
          }
        }
        result.reconnected++;
        lastConnected = performance.now();
        const t1 = performance.now();
        await syncRoom(url, token, room.id, versions.get(room.id) ?? 0, result);
        syncMs.push(performance.now() - t1);
        result.synced++;
        lastSynced = performance.now();
      }),
    );
    const cpu = meter.stop();
    result.reconnectedSeconds = round((lastConnected - started) / 1000, 2);
    result.syncedSeconds = round((lastSynced - started) / 1000, 2);
    result.sends = await during.stop();
    result.health = await probes.stop();
    result.connectMs = connectMs.summary();
    result.syncMs = syncMs.summary();
    result.serverCpu = cpu.servers[server.name] ?? null;
    result.postgresCpu = cpu.postgres ?? null;
    result.generatorCpu = cpu.generator ?? null;
    log(
      `storm: ${result.reconnected} sockets back in ${result.reconnectedSeconds} s, all synced in ${result.syncedSeconds} s ` +
        `(${result.refusedHandshakes} handshakes refused 503 and retried, ${result.failedAttempts} other failed attempts, ${result.syncRetries} syncs retried); ` +
        `sends meanwhile: ${result.sends.sent} sent, ${result.sends.failed} failed, ack p50/p99/max ${result.sends.ackMs.p50}/${result.sends.ackMs.p99}/${result.sends.ackMs.max} ms ` +
        `(before the storm p99 ${result.sendsBefore.ackMs.p99} ms); health: ${Object.entries(result.health).map(([path, h]) => `${path} ${h.non200} non-200 of ${h.probes}, slowest ${h.slowestMs} ms`).join('; ')}`,
    );
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    log(`storm: ERROR ${result.error}`);
  } finally {
    sender?.terminate();
    closeTopology(rooms);
    if (server) await ctx.stop(server, 'storm');
  }
  return {
    setup: {
      sockets: result.sockets,
      rooms: roomCount,
      membersPerRoom,
      nodes: 1,
      storm: 'every socket cut at once (TCP terminated), then all reconnect at once; each syncs its room with changes?since=<its version> once connected',
      sends: `one member, ${SEND_RATE} messages/s over its own socket, during the storm`,
      health: '/health/live, /health/ready and /health every 200 ms',
    },
    parley: result,
  };
}

/** `changes?since=` page by page until `hasMore` is false; a 503 is asked again after its `Retry-After`. */
async function syncRoom(url: string, token: string, roomId: string, since: number, result: StormResult): Promise<void> {
  let version = since;
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const query: string = cursor ? `since=${version}&cursor=${encodeURIComponent(cursor)}` : `since=${version}`;
    const answer = await http<{ version: number; hasMore: boolean; nextCursor: string | null }>(url, 'GET', `${API}/rooms/${roomId}/changes?${query}`, token, undefined, 120_000);
    if (answer.status === 503) {
      result.syncRetries++;
      await sleep(Number(answer.body && typeof answer.body === 'object' ? ((answer.body as { retryAfterSeconds?: number }).retryAfterSeconds ?? 1) : 1) * 1000);
      continue;
    }
    if (answer.status !== 200) throw new Error(`sync of ${roomId}: HTTP ${answer.status}`);
    version = answer.body.version;
    cursor = answer.body.nextCursor;
    if (!answer.body.hasMore) return;
  }
}

/** One member's `message.send` every 1/SEND_RATE s with an ack; `stop()` summarises the acks (waits for the last, 30 s at most). */
function sendLoop(socket: LeanSocket, roomId: string): { stop: () => Promise<{ sent: number; failed: number; ackMs: Summary }> } {
  const ackMs = new Samples();
  let sent = 0;
  let failed = 0;
  let answered = 0;
  let running = true;
  const tag = Math.random().toString(36).slice(2, 8);
  const loop = (async () => {
    for (let n = 0; running; n++) {
      const t0 = performance.now();
      sent++;
      socket.emitWithAck('message.send', JSON.stringify({ roomId, body: `storm ${n}`, clientId: `storm-${tag}-${n}` }), (ack) => {
        answered++;
        ackMs.push(performance.now() - t0);
        if (!ackOk(ack)) failed++;
      });
      await sleep(Math.max(0, 1000 / SEND_RATE - (performance.now() - t0)));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      await waitFor(() => answered >= sent, 30_000);
      // Unanswered after 30 s: failed.
      return { sent, failed: failed + (sent - answered), ackMs: ackMs.summary() };
    },
  };
}

/** The three health checks every 200 ms (5 s timeout each) until `stop()`. */
function probeHealth(url: string): { stop: () => Promise<StormResult['health']> } {
  const paths = ['/health/live', '/health/ready', '/health'];
  const stats = Object.fromEntries(paths.map((path) => [path, { probes: 0, non200: 0, slowestMs: 0, statuses: new Set<string>() }]));
  let running = true;
  const loop = (async () => {
    while (running) {
      const round0 = performance.now();
      await Promise.all(
        paths.map(async (path) => {
          const t0 = performance.now();
          const entry = stats[path];
          try {
            const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000) });
            const body = (await response.json().catch(() => null)) as { status?: string } | null;
            entry.statuses.add(`${response.status} ${body?.status ?? ''}`.trim());
            if (response.status !== 200) entry.non200++;
          } catch (error) {
            entry.non200++;
            entry.statuses.add(`error ${error instanceof Error ? error.name : 'unknown'}`);
          }
          entry.probes++;
          entry.slowestMs = Math.max(entry.slowestMs, round(performance.now() - t0, 0));
        }),
      );
      await sleep(Math.max(0, 200 - (performance.now() - round0)));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return Object.fromEntries(Object.entries(stats).map(([path, entry]) => [path, { ...entry, statuses: [...entry.statuses] }]));
    },
  };
}
