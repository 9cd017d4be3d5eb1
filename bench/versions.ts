/**
 * Versions across nodes (issue 15, item 8): how often a client of a healthy two-node cluster sees a room's events
 * out of version order, and how many `changes?since=` calls that costs under two client rules, simulated on the
 * same recorded event streams:
 *
 * - **sync on every jump** (API.md as written): an event more than one version ahead of what the client holds
 *   makes it sync at once;
 * - **wait for the gap** (the rule of the README and the demo client, src/demo/client/version-gate.ts): such an
 *   event is held, the events that fill the gap release it in order, and only a gap still open after the grace
 *   period costs a sync.
 *
 * Two Parley processes (the built server, a copy of dist/) share one fresh PostgreSQL database and a private
 * redis-server; `--rooms` rooms of `--members` members each, member k of a room connected to node k % 2, so every
 * room has clients and senders on both nodes. For `--seconds` the members send `--rate` changes per second in all
 * (open loop, rooms in turn, a random member each): socket `message.send` (80%), HTTP `POST .../messages` (15%) and
 * reactions (5%), each through the sender's own node. Every socket records each room event's version and arrival
 * time; then both rules are played over the streams for several grace periods.
 *
 *   npx nest build parley && npx tsc -p bench/tsconfig.json && node bench/.cache/js/versions.js [--seconds=60]
 *
 * Options: --seconds=60 --rate=110 --rooms=10 --members=10 --drain-seconds=3 --out=bench/results/versions.json.
 * Each run also saves its event streams to bench/.cache/versions-streams-<run>.json; `--replay=<that file>` plays
 * the rules on them again (after changing a rule) without a new run.
 * Needs PostgreSQL on 127.0.0.1:5432 (BENCH_POSTGRES_URL) and redis-server, like `npm run bench`. Prints one
 * JSON object (stdout, and the --out file) and a summary (stderr).
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { BENCH_RATE_LIMITS } from './lib/context';
import { ADMIN_URL, createBenchDatabase, databaseUrl, dropBenchDatabase, withClient } from './lib/db';
import { API, expectStatus, http, tokenFor } from './lib/http';
import { freePort, log, ServerProcess, startRedis } from './lib/procs';
import { ackOk, LeanSocket, stringField } from './lib/sio-client';
import { mapLimit, round, sleep, summarize, type Summary } from './lib/stats';

const ROOT = resolve(__dirname, '../../..');
/**
 * The rules played: a fixed grace period (0 is "sync on every jump"), and the demo's (VersionGate): twice the
 * longest of the client's last 32 gaps (late events after a sync included), at least 1 s and at most 5 s.
 */
const RULES: Array<{ minMs: number; maxMs: number }> = [...[0, 25, 50, 100, 250, 500, 1000, 2000].map((ms) => ({ minMs: ms, maxMs: ms })), { minMs: 1000, maxMs: 5000 }];
const ruleName = (rule: { minMs: number; maxMs: number }) =>
  rule.maxMs === 0 ? 'sync on every jump' : rule.minMs === rule.maxMs ? `wait up to ${rule.minMs} ms for the gap` : `wait 2 x longest gap (${rule.minMs / 1000}-${rule.maxMs / 1000} s)`;

interface Options {
  seconds: number;
  rate: number;
  rooms: number;
  members: number;
  drainSeconds: number;
  out: string;
  /** Re-analyse the event streams a run saved (bench/.cache/versions-streams-<run>.json) instead of running. */
  replay?: string;
}

function options(argv: string[]): Options {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg}`);
    flags.set(match[1], match[2]);
  }
  const num = (name: string, fallback: number) => {
    const value = Number(flags.get(name) ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
    flags.delete(name);
    return value;
  };
  const parsed = {
    seconds: num('seconds', 60),
    rate: num('rate', 110),
    rooms: num('rooms', 10),
    members: num('members', 10),
    drainSeconds: num('drain-seconds', 3),
    out: resolve(ROOT, flags.get('out') ?? 'bench/results/versions.json'),
    replay: flags.has('replay') ? resolve(ROOT, flags.get('replay') as string) : undefined,
  };
  flags.delete('out');
  flags.delete('replay');
  if (flags.size > 0) throw new Error(`unknown option --${[...flags.keys()][0]}`);
  return parsed;
}

/** One room event as a client received it. */
interface Arrival {
  room: number;
  version: number;
  /** ms, performance.now() of this process: one clock for every client. */
  at: number;
}

interface Client {
  userId: string;
  token: string;
  room: number;
  node: number;
  socket: LeanSocket;
  arrivals: Arrival[];
}

/** What a run saves to play other rules on the same streams later (`--replay=<file>`). */
interface SavedStreams {
  result: Record<string, unknown>;
  startVersion: number[];
  endVersion: number[];
  origins: Array<[string, number]>;
  clients: Array<{ room: number; node: number; arrivals: Array<[number, number]> }>;
}

/** `--replay`: the analysis of saved streams, with the run's setup and machine. */
function replay(o: Options, file: string): void {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedStreams;
  const clients = saved.clients.map((c) => ({ room: c.room, node: c.node, arrivals: c.arrivals.map(([version, at]) => ({ room: c.room, version, at })) }));
  const seconds = (saved.result.setup as { seconds: number }).seconds;
  const result = { ...saved.result, replayedFrom: file, ...analyse(clients, saved.startVersion, saved.endVersion, new Map(saved.origins), seconds) };
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(`\n${summaryText(result as unknown as Parameters<typeof summaryText>[0])}\nJSON written to ${o.out}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const ROOM_EVENT = /^42\/chat,\["(message\.created|message\.updated|message\.deleted|member\.added|member\.updated|member\.removed|room\.updated)",/;

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  if (o.replay) return replay(o, o.replay);
  const runId = randomBytes(4).toString('hex');
  const main = join(ROOT, 'dist/src/main.js');
  // A private copy of dist/, so another build emptying dist/ meanwhile cannot pull the servers away. A build may be
  // running right now (dist/ half written): the copy must load its whole module graph, else it is taken again.
  const snapshot = join(ROOT, 'bench/.cache', `server-versions-${runId}`);
  for (let attempt = 1; ; attempt++) {
    for (let waited = 0; !existsSync(main) && waited < 180; waited += 2) await sleep(2000);
    if (!existsSync(main)) throw new Error('dist/src/main.js is missing: run `npx nest build parley` first');
    rmSync(snapshot, { recursive: true, force: true });
    cpSync(join(ROOT, 'dist'), snapshot, { recursive: true });
    const loads = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(snapshot, 'src/app.module.js'))})`], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    if (loads.status === 0) break;
    if (attempt === 5) throw new Error(`the copy of dist/ does not load:\n${loads.stderr.slice(-2000)}`);
    log('dist/ is being rebuilt: copying it again in 10 s');
    await sleep(10_000);
  }
  const secret = randomBytes(24).toString('hex');
  const databaseName = await createBenchDatabase();
  const dataDirs: string[] = [];
  const processes: ServerProcess[] = [];
  const clients: Client[] = [];
  const startedAt = new Date();
  const loadBefore = loadavg().map((l) => round(l, 2));
  try {
    const redis = await startRedis(null);
    if (!redis) throw new Error('redis-server is not installed');
    processes.push(redis);
    const nodes: ServerProcess[] = [];
    for (const name of ['node1', 'node2']) {
      const port = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), 'parley-versions-'));
      dataDirs.push(dataDir);
      const { NODE_OPTIONS: _ignored, ...inherited } = process.env;
      const server = ServerProcess.spawn(name, process.execPath, [join(snapshot, 'src/main.js')], {
        cpu: null,
        port,
        env: {
          ...inherited,
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: databaseUrl(databaseName),
          REDIS_URL: `redis://127.0.0.1:${redis.port}`,
          JWT_SECRET: secret,
          LOG_LEVEL: 'warn',
          SOCKET_EVENTS_PER_SECOND: '1000',
          AUTH_RATE_LIMIT: '100000',
          ...BENCH_RATE_LIMITS,
          DATA_DIR: dataDir,
        },
      });
      processes.push(server);
      // The first node migrates the database before the second starts.
      await server.waitReady(60_000);
      nodes.push(server);
    }
    const urls = nodes.map((node) => node.url);
    log(`versions ${runId}: 2 nodes, redis :${redis.port}, database ${databaseName}; ${o.rooms} rooms x ${o.members} members, ${o.rate} changes/s for ${o.seconds} s`);

    // Rooms, created through node 1; member k connects to node k % 2.
    const members = Array.from({ length: o.rooms }, (_, r) => Array.from({ length: o.members }, (_, k) => `v${runId}-r${r}-m${k}`));
    const roomIds = await mapLimit(members, 4, async (ids, r) => {
      const created = await expectStatus(http(urls[0], 'POST', `${API}/rooms`, tokenFor(secret, ids[0]), { type: 'group', title: `versions ${r}`, memberIds: ids.slice(1) }), 201);
      return (created.body as { id: string }).id;
    });
    const roomIndex = new Map(roomIds.map((id, r) => [id, r]));
    await mapLimit(
      members.flatMap((ids, r) => ids.map((userId, k) => ({ userId, r, k }))),
      20,
      async ({ userId, r, k }) => {
        const token = tokenFor(secret, userId);
        const socket = await LeanSocket.connect(urls[k % 2], '/chat', { token });
        const client: Client = { userId, token, room: r, node: k % 2, socket, arrivals: [] };
        socket.onEvent = (frame) => {
          const at = performance.now();
          if (!ROOM_EVENT.test(frame)) return;
          const payload = JSON.parse(frame.slice(frame.indexOf(',', frame.indexOf('"', 10)) + 1, -1)) as { roomId: string; version: number };
          const room = roomIndex.get(payload.roomId);
          if (room !== undefined) client.arrivals.push({ room, version: payload.version, at });
        };
        clients.push(client);
      },
    );
    // What every client holds before the load: the rooms' versions now (nothing changes them meanwhile).
    await sleep(1000);
    const startVersion = await mapLimit(roomIds, 4, async (id, r) => (await expectStatus(http(urls[0], 'GET', `${API}/rooms/${id}`, tokenFor(secret, members[r][0])), 200)).body.version as number);
    for (const client of clients) client.arrivals.length = 0;

    // The load: open loop, rooms in turn, a random member of the room each time, through that member's node.
    const lastMessage: Array<string | undefined> = roomIds.map(() => undefined);
    const counts = { socket: 0, http: 0, reaction: 0, failed: 0, answered: 0, failures: {} as Record<string, number> };
    const fail = (reason: string) => {
      counts.failed++;
      counts.failures[reason] = (counts.failures[reason] ?? 0) + 1;
    };
    const originOf = new Map<string, number>(); // `${room}:${version}` -> node that made the change
    const total = Math.round(o.rate * o.seconds);
    const loadStart = performance.now();
    const pending: Array<Promise<void>> = [];
    for (let n = 0; n < total; n++) {
      const due = loadStart + (n * 1000) / o.rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const r = n % o.rooms;
      const k = Math.floor(Math.random() * o.members);
      const sender = clients.find((client) => client.room === r && client.userId === members[r][k]) as Client;
      const pick = Math.random();
      const record = (text: string | undefined) => {
        const version = text === undefined ? undefined : /"version":(\d+)/.exec(text)?.[1];
        if (version !== undefined) originOf.set(`${r}:${version}`, sender.node);
      };
      if (pick < 0.8 || lastMessage[r] === undefined) {
        counts.socket++;
        pending.push(
          new Promise<void>((done) => {
            sender.socket.emitWithAck('message.send', JSON.stringify({ roomId: roomIds[r], body: `m${n}`, clientId: `v${runId}-${n}` }), (ack) => {
              counts.answered++;
              if (ackOk(ack)) {
                lastMessage[r] = stringField(ack, 'id');
                record(ack);
              } else fail(`socket ${/"code":"([A-Z_]+)"/.exec(ack)?.[1] ?? /"statusCode":(\d+)/.exec(ack)?.[1] ?? 'error'}`);
              done();
            });
          }),
        );
      } else if (pick < 0.95) {
        counts.http++;
        pending.push(
          http(urls[sender.node], 'POST', `${API}/rooms/${roomIds[r]}/messages`, sender.token, { body: `h${n}`, clientId: `v${runId}-${n}` }).then(
            (result) => {
              counts.answered++;
              if (result.status !== 201) return fail(`http ${result.status} ${(result.body as { code?: string } | null)?.code ?? ''}`.trim());
              lastMessage[r] = (result.body as { id: string }).id;
              record(JSON.stringify(result.body));
            },
            (error: unknown) => fail(`${error instanceof Error ? error.message.slice(0, 60) : 'error'}`),
          ),
        );
      } else {
        counts.reaction++;
        const emoji = ['👍', '🎉', '❤️', '👀'][n % 4];
        pending.push(
          http(urls[sender.node], 'PUT', `${API}/rooms/${roomIds[r]}/messages/${lastMessage[r]}/reactions/${encodeURIComponent(emoji)}`, sender.token).then(
            (result) => {
              counts.answered++;
              if (result.status !== 200) return fail(`reaction ${result.status} ${(result.body as { code?: string } | null)?.code ?? ''}`.trim());
              record(JSON.stringify(result.body));
            },
            (error: unknown) => fail(`${error instanceof Error ? error.message.slice(0, 60) : 'error'}`),
          ),
        );
      }
    }
    await Promise.all(pending);
    const loadSeconds = (performance.now() - loadStart) / 1000;
    await sleep(o.drainSeconds * 1000);
    for (const client of clients) client.socket.close();
    const endVersion = await mapLimit(roomIds, 4, async (id, r) => (await expectStatus(http(urls[0], 'GET', `${API}/rooms/${id}`, tokenFor(secret, members[r][0])), 200)).body.version as number);

    const report = analyse(clients, startVersion, endVersion, originOf, o.seconds);
    const result = {
      bench: 'parley-versions',
      issue: '15.8',
      runId,
      startedAt: startedAt.toISOString(),
      machine: {
        host: hostname(),
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        memoryGiB: round(totalmem() / 2 ** 30, 1),
        node: process.version,
        postgres: await pgVersion(),
        // Other users of the machine (test runs, builds) stretch the nodes' delays: the 1/5/15-minute load averages.
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadavg().map((l) => round(l, 2)),
      },
      git: gitCommit(),
      setup: {
        nodes: 2,
        rooms: o.rooms,
        membersPerRoom: o.members,
        clients: clients.length,
        clientsPerNode: [clients.filter((c) => c.node === 0).length, clients.filter((c) => c.node === 1).length],
        changesPerSecond: o.rate,
        seconds: o.seconds,
        loadSeconds: round(loadSeconds, 1),
        mix: '80% socket message.send, 15% HTTP POST messages, 5% reactions; each through the sender own node',
        pinning: 'none (both nodes, redis and PostgreSQL share the 2 cores with the generator)',
      },
      changes: { ...counts, versionsMade: endVersion.reduce((sum, v, r) => sum + v - startVersion[r], 0) },
      streams: join('bench/.cache', `versions-streams-${runId}.json`),
      ...report,
    };
    const saved: SavedStreams = {
      result: { ...result, arrivals: undefined, gapFillMs: undefined, gapsFilledWithin: undefined, policies: undefined },
      startVersion,
      endVersion,
      origins: [...originOf.entries()],
      clients: clients.map((c) => ({ room: c.room, node: c.node, arrivals: c.arrivals.map((a) => [a.version, round(a.at, 3)] as [number, number]) })),
    };
    writeFileSync(join(ROOT, result.streams), JSON.stringify(saved));
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`);
    process.stderr.write(`\n${summaryText(result)}\nJSON written to ${o.out}\n`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    for (const client of clients) client.socket.terminate();
    for (const server of processes.reverse()) await server.stop('SIGTERM', 10_000).catch(() => undefined);
    await dropBenchDatabase(databaseName).catch((error: unknown) => log(`could not drop ${databaseName}: ${String(error)}`));
    rmSync(snapshot, { recursive: true, force: true });
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** What a policy costs one client over its whole stream. */
interface PolicyCount {
  syncs: number;
  /** Events held back for a gap (wait rule), and how long each waited. */
  held: number;
  heldMs: number[];
}

/**
 * Plays a client's rule over one client's stream of one room (as src/demo/client/version-gate.ts does it): the
 * grace period is twice the longest of the last 32 gaps seen filled, within [minMs, maxMs] (equal bounds: a fixed
 * grace period; 0: "sync on every jump"). A sync is taken as instant and as bringing the client to the newest
 * version any client had received by then (a lower bound of what the server would answer): everything held up to
 * it is dropped, later events apply as usual.
 */
function play(arrivals: Arrival[], start: number, rule: { minMs: number; maxMs: number }, serverVersionAt: (at: number) => number): PolicyCount {
  let complete = start;
  const held: Arrival[] = [];
  const result: PolicyCount = { syncs: 0, held: 0, heldMs: [] };
  const fills: number[] = [];
  let skipped = null as { versions: Set<number>; openedAt: number } | null;
  const filled = (ms: number) => {
    fills.push(ms);
    if (fills.length > 32) fills.shift();
  };
  const grace = () => Math.min(rule.maxMs, Math.max(rule.minMs, 2 * (fills.length ? Math.max(...fills) : 0)));
  const drain = (now: number) => {
    held.sort((a, b) => a.version - b.version);
    while (held.length > 0 && held[0].version <= complete + 1) {
      const next = held.shift() as Arrival;
      if (next.version === complete + 1) complete = next.version;
      result.heldMs.push(now - next.at);
    }
  };
  const oldestHeld = () => Math.min(...held.map((h) => h.at));
  const sync = (at: number) => {
    result.syncs++;
    if (held.length > 0) {
      const heldVersions = new Set(held.map((h) => h.version));
      const versions = new Set<number>();
      for (let v = complete + 1; v < Math.max(...heldVersions); v++) if (!heldVersions.has(v)) versions.add(v);
      skipped = { versions, openedAt: oldestHeld() };
    }
    complete = Math.max(complete, serverVersionAt(at));
    drain(at);
  };
  const deadline = () => (held.length === 0 ? Infinity : oldestHeld() + grace());
  for (const arrival of arrivals) {
    while (deadline() <= arrival.at) sync(deadline());
    if (arrival.version <= complete) {
      if (skipped?.versions.delete(arrival.version)) filled(arrival.at - skipped.openedAt);
      continue;
    }
    if (arrival.version === complete + 1) {
      if (held.length > 0) filled(arrival.at - oldestHeld());
      complete = arrival.version;
      drain(arrival.at);
      continue;
    }
    if (rule.maxMs === 0) {
      sync(arrival.at);
      continue;
    }
    held.push(arrival);
    result.held++;
  }
  while (held.length > 0) sync(deadline());
  return result;
}

function analyse(clients: Array<Pick<Client, 'room' | 'node' | 'arrivals'>>, startVersion: number[], endVersion: number[], originOf: Map<string, number>, seconds: number) {
  // The newest version of each room any client had received by a time: what a sync would at least answer.
  const firstSeen = startVersion.map(() => new Map<number, number>());
  for (const client of clients) for (const a of client.arrivals) {
    const seen = firstSeen[a.room].get(a.version);
    if (seen === undefined || a.at < seen) firstSeen[a.room].set(a.version, a.at);
  }
  const timelines = firstSeen.map((seen, r) => {
    const points = [...seen.entries()].map(([version, at]) => ({ version, at })).sort((a, b) => a.at - b.at);
    let max = startVersion[r];
    return points.map((p) => ({ at: p.at, max: (max = Math.max(max, p.version)) }));
  });
  const serverVersionAt = (room: number) => (at: number) => {
    const line = timelines[room];
    let lo = 0;
    let hi = line.length - 1;
    let best = startVersion[room];
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (line[mid].at <= at) {
        best = line[mid].max;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  };

  let arrivals = 0;
  let outOfOrder = 0;
  let lateFromOtherNode = 0;
  let lateWithOrigin = 0;
  let duplicates = 0;
  let missing = 0;
  const gapFillMs: number[] = [];
  const perClientOutOfOrder: number[] = [];
  const policies = RULES.map(() => ({ syncs: 0, held: 0, heldMs: [] as number[], perClient: [] as number[] }));
  for (const client of clients) {
    const stream = client.arrivals;
    arrivals += stream.length;
    let mine = 0;
    let max = startVersion[client.room];
    const seen = new Set<number>();
    // When a version became "needed": the first arrival of a higher one while it was still missing.
    const neededSince = new Map<number, number>();
    for (const a of stream) {
      if (seen.has(a.version)) {
        duplicates++;
        continue;
      }
      seen.add(a.version);
      if (a.version < max) {
        mine++;
        const origin = originOf.get(`${a.room}:${a.version}`);
        if (origin !== undefined) {
          lateWithOrigin++;
          if (origin !== client.node) lateFromOtherNode++;
        }
        const since = neededSince.get(a.version);
        if (since !== undefined) gapFillMs.push(a.at - since);
      } else {
        for (let v = max + 1; v < a.version; v++) if (!seen.has(v) && !neededSince.has(v)) neededSince.set(v, a.at);
        max = a.version;
      }
    }
    for (let v = startVersion[client.room] + 1; v <= endVersion[client.room]; v++) if (!seen.has(v)) missing++;
    outOfOrder += mine;
    perClientOutOfOrder.push((mine * 60) / seconds);
    for (const [index, rule] of RULES.entries()) {
      const played = play(stream, startVersion[client.room], rule, serverVersionAt(client.room));
      const policy = policies[index];
      policy.syncs += played.syncs;
      policy.held += played.held;
      policy.heldMs.push(...played.heldMs);
      policy.perClient.push((played.syncs * 60) / seconds);
    }
  }
  const clientsCount = clients.length;
  return {
    arrivals: {
      total: arrivals,
      perClientPerSecond: round(arrivals / clientsCount / seconds, 1),
      outOfOrder,
      outOfOrderPerClientPerMinute: round((outOfOrder * 60) / seconds / clientsCount, 2),
      outOfOrderPerClientPerMinuteDistribution: summarize(perClientOutOfOrder),
      lateFromTheOtherNodeShare: lateWithOrigin ? round(lateFromOtherNode / lateWithOrigin, 3) : null,
      duplicates,
      neverReceived: missing,
    },
    /** How long each out-of-order gap stayed open: from the first event past it to the missing one, ms. */
    gapFillMs: summarize(gapFillMs),
    gapsFilledWithin: Object.fromEntries([10, 25, 50, 100, 250, 1000].map((ms) => [`${ms}ms`, gapFillMs.length ? round(gapFillMs.filter((d) => d <= ms).length / gapFillMs.length, 4) : null])),
    policies: RULES.map((rule, index) => {
      const p = policies[index];
      return {
        rule: ruleName(rule),
        graceMs: rule.minMs === rule.maxMs ? rule.minMs : { min: rule.minMs, max: rule.maxMs },
        syncCalls: p.syncs,
        syncCallsPerSecond: round(p.syncs / seconds, 2),
        syncCallsPerClientPerMinute: round((p.syncs * 60) / seconds / clientsCount, 3),
        eventsHeld: p.held,
        heldMs: rule.maxMs === 0 ? null : (summarize(p.heldMs) as Summary),
      };
    }),
  };
}

function summaryText(result: { machine: { loadAverageBefore: number[]; loadAverageAfter: number[] }; setup: { clients: number; seconds: number }; arrivals: Record<string, unknown>; gapFillMs: Summary; policies: Array<{ rule: string; syncCalls: number; syncCallsPerSecond: number; syncCallsPerClientPerMinute: number; heldMs: Summary | null }> }): string {
  const a = result.arrivals as { outOfOrder: number; outOfOrderPerClientPerMinute: number; neverReceived: number; lateFromTheOtherNodeShare: number | null; perClientPerSecond: number };
  const lines = [
    `${result.setup.clients} clients, ${result.setup.seconds} s, ${a.perClientPerSecond} room events per client per second; load average before/after ${result.machine.loadAverageBefore[0]} / ${result.machine.loadAverageAfter[0]}`,
    `out of order: ${a.outOfOrder} arrivals = ${a.outOfOrderPerClientPerMinute} per client per minute (late event made on the other node: ${a.lateFromTheOtherNodeShare ?? '-'}); never received: ${a.neverReceived}`,
    `gap open for (ms): p50 ${result.gapFillMs.p50}, p99 ${result.gapFillMs.p99}, max ${result.gapFillMs.max}`,
    'rule                                 sync calls   per second   per client per minute   held p99 / max (ms)',
    ...result.policies.map((p) =>
      `${p.rule.padEnd(36)} ${String(p.syncCalls).padStart(10)}   ${String(p.syncCallsPerSecond).padStart(10)}   ${String(p.syncCallsPerClientPerMinute).padStart(21)}   ${p.heldMs ? `${p.heldMs.p99} / ${p.heldMs.max}` : '-'}`,
    ),
  ];
  return lines.join('\n');
}

async function pgVersion(): Promise<string | null> {
  try {
    return await withClient(ADMIN_URL, async (client) => (await client.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version);
  } catch {
    return null;
  }
}

function gitCommit(): { commit: string | null; dirty: boolean | null } {
  try {
    return {
      commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim(),
      dirty: execFileSync('git', ['status', '--porcelain', '--', 'src', 'libs'], { cwd: ROOT }).toString().trim().length > 0,
    };
  } catch {
    return { commit: null, dirty: null };
  }
}

main().catch((error: unknown) => {
  log(`versions: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
