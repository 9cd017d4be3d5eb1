import { randomUUID } from 'node:crypto';
import { API, expectStatus, http, tokenFor } from './http';
import { CpuMeter, type CpuReport, type DatabaseCounters, type WatchedProcesses } from './meter';
import { log, type LoopStats } from './procs';
import { ackError, ackOk, intField, LeanSocket, stringField } from './sio-client';
import { mapLimit, round, Samples, sleep, waitFor, type Summary } from './stats';

/** Delivery p99 a step must stay under to pass. */
export const P99_LIMIT_MS = 100;
/** Generator CPU share above which its figures are suspect. */
export const GENERATOR_SATURATED = 0.9;

export interface Member {
  socket: LeanSocket;
  userId: string;
  room: number;
  index: number;
  node: number;
  lastSeq: number;
}

export interface LoadRoom {
  id: string;
  members: Member[];
}

export interface TopologyOptions {
  kind: 'parley' | 'bare';
  /** Server base URLs; member k of each room connects to urls[k % urls.length]. */
  urls: string[];
  rooms: number;
  membersPerRoom: number;
  secret: string;
  /** Unique per topology: user ids and clientIds start with it. */
  tag: string;
}

/** Users, rooms (over REST for Parley, invented ids for the bare server) and one connected socket per member. */
export async function buildTopology(options: TopologyOptions): Promise<LoadRoom[]> {
  const started = performance.now();
  const users = Array.from({ length: options.rooms }, (_, r) => Array.from({ length: options.membersPerRoom }, (_, k) => `${options.tag}-r${r}-m${k}`));
  let roomIds: string[];
  if (options.kind === 'parley') {
    roomIds = await mapLimit(users, 8, async (members, r) => {
      const owner = tokenFor(options.secret, members[0]);
      const created = await expectStatus(http(options.urls[0], 'POST', `${API}/rooms`, owner, { type: 'group', title: `bench ${options.tag} ${r}`, memberIds: members.slice(1) }), 201);
      return (created.body as { id: string }).id;
    });
  } else {
    roomIds = users.map(() => randomUUID());
  }
  const rooms: LoadRoom[] = roomIds.map((id) => ({ id, members: [] }));
  const flat = users.flatMap((members, r) => members.map((userId, k) => ({ userId, r, k })));
  await mapLimit(flat, 100, async ({ userId, r, k }) => {
    const node = k % options.urls.length;
    const auth = { token: tokenFor(options.secret, userId), ...(options.kind === 'bare' ? { rooms: [rooms[r].id] } : {}) };
    const socket = await LeanSocket.connect(options.urls[node], '/chat', auth);
    rooms[r].members[k] = { socket, userId, room: r, index: k, node, lastSeq: 0 };
  });
  log(`  ${options.kind}: ${options.rooms} rooms x ${options.membersPerRoom} members, ${flat.length} sockets ready in ${Math.round(performance.now() - started)} ms`);
  return rooms;
}

export function closeTopology(rooms: LoadRoom[]): void {
  for (const room of rooms) for (const member of room.members) member.socket.close();
}

interface MessageRecord {
  room: number;
  t0: number;
  /** 0 pending, 1 acked ok, 2 acked with an error. */
  ack: 0 | 1 | 2;
  got: Uint8Array;
  count: number;
  /** Time of the latest delivery. */
  last: number;
  step: StepStats;
}

class StepStats {
  readonly ack = new Samples();
  readonly delivery = new Samples();
  readonly complete = new Samples();
  readonly lag = new Samples();
  readonly ids: number[] = [];
  sent = 0;
  acked = 0;
  errors = 0;
  readonly errorSamples: string[] = [];
  duplicates = 0;
  outOfOrder = 0;
  delivered = 0;
  start = 0;
}

export interface StepResult {
  mode: 'open' | 'closed';
  /** Messages/s asked for (open loop), or the window of messages in flight (closed loop). */
  targetRate?: number;
  window?: number;
  seconds: number;
  sent: number;
  /** Messages/s actually sent, acked and deliveries/s received during the send window. */
  sentPerSecond: number;
  ackedPerSecond: number;
  deliveriesPerSecond: number;
  acked: number;
  errors: number;
  errorSamples: string[];
  ackTimeouts: number;
  expectedDeliveries: number;
  delivered: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  ackMs: Summary;
  /** Send (scheduled time) to each member's `message.created`. */
  deliveryMs: Summary;
  /** Send to the last member's `message.created`. */
  completeMs: Summary;
  /** How late the generator sent, behind the schedule. */
  sendLagMs: Summary;
  cpu: CpuReport;
  /**
   * Database work per sent message, from pg_stat_database over the step and its drain (statements outside an
   * explicit transaction count one each; the statistics are flushed about every second, so roughly).
   */
  database?: { transactionsPerMessage: number; rowsInsertedPerMessage: number; rowsUpdatedPerMessage: number; checkpoints: number };
  /** Per server: event-loop delay and GC pauses over the step (bench preload), to explain latency spikes. */
  serverLoop?: Record<string, LoopStats | null>;
  /**
   * Messages whose last delivery took over 100 ms, and when they were sent: 250 ms buckets (seconds from the
   * step's start) holding such messages, with their count and worst latency. Clustered buckets are stalls.
   */
  slow: { messages: number; buckets: Array<{ atSecond: number; messages: number; maxMs: number }> };
  generatorSaturated: boolean;
  pass: boolean;
  reasons: string[];
  /** What looks like the limit, from the CPU figures. */
  limitedBy?: string;
  /** Set when this failed step was run again (other processes took CPU meanwhile, or to confirm the failure). */
  discarded?: string;
}

export interface RampOptions {
  stepSeconds: number;
  warmupSeconds: number;
  drainSeconds: number;
  /** First step, as a share of the saturated throughput measured first. */
  startShare: number;
  factor: number;
  maxSteps: number;
  refine: boolean;
  saturationSeconds: number;
  saturationWindow: number;
  serverCpu: number | null;
  generatorCpu: number | null;
  /** Called before each measured window (pins new PostgreSQL backends). */
  beforeStep?: () => Promise<void>;
  /** Waits (bounded) until the machine is quiet; used before repeating a step spoilt by other processes. */
  waitQuiet?: () => Promise<void>;
  /** Busy cores outside the bench above which a failed step is repeated (at most `maxRepeats` per ramp). */
  interferenceThreshold: number;
  maxRepeats: number;
}

export interface RampResult {
  warmup: StepResult;
  saturation: StepResult;
  steps: StepResult[];
  /** Highest step that passed: messages/s and deliveries/s with delivery p99 ≤ 100 ms and nothing lost. */
  maxSustained: { messagesPerSecond: number; deliveriesPerSecond: number; deliveryP99Ms: number | null; ackP99Ms: number | null } | null;
  /** Closed-loop throughput at saturation (acked messages/s and deliveries/s). */
  saturated: { messagesPerSecond: number; deliveriesPerSecond: number; deliveryP99Ms: number | null; inFlight: number };
  limitedBy: string;
  generatorSaturated: boolean;
  /** Last-member deliveries that came after their step had been evaluated (counted as lost there). */
  lateDeliveries: number;
  /** Events other than message.created the members received during the whole ramp, by name (e.g. receipt). */
  otherEvents: Record<string, number>;
  /** message.created deliveries received during the ramp, for comparison with otherEvents. */
  messageCreatedEvents: number;
}

/** Drives `message.send` load over the members of `rooms` and measures acks and deliveries. */
export class FanoutLoad {
  private readonly book = new Map<number, MessageRecord>();
  private next = 0;
  private late = 0;
  private readonly members: number;
  private readonly prefix: string;
  private readonly bodyPad = ' lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt';

  constructor(
    private readonly rooms: LoadRoom[],
    private readonly tag: string,
    private readonly watched: WatchedProcesses,
    private readonly cores: { server: number | null; generator: number | null },
  ) {
    this.members = rooms[0].members.length;
    this.prefix = `${tag}-`;
    for (const room of rooms) for (const member of room.members) member.socket.onEvent = (frame) => this.received(member, frame);
  }

  /** Called on every successful ack: message number, ack text, scheduled send time and ack time (performance.now()). */
  onAck?: (n: number, ack: string, t0: number, at: number) => void;

  /** Other events received (receipts, presence, ...), by name, over the whole load. */
  readonly otherEvents = new Map<string, number>();

  private received(member: Member, frame: string): void {
    // `42/chat,["message.created",{...}]`; receipts, presence and the rest are only counted.
    if (frame.charCodeAt(10) !== 109 /* m */ || !frame.startsWith('message.created', 10)) {
      const name = frame.slice(10, frame.indexOf('"', 10));
      this.otherEvents.set(name, (this.otherEvents.get(name) ?? 0) + 1);
      return;
    }
    const now = performance.now();
    const clientId = stringField(frame, 'clientId');
    if (!clientId || !clientId.startsWith(this.prefix)) return;
    const record = this.book.get(Number(clientId.slice(this.prefix.length)));
    if (!record) {
      this.late++;
      return;
    }
    const stats = record.step;
    if (record.got[member.index]) {
      stats.duplicates++;
      return;
    }
    record.got[member.index] = 1;
    record.count++;
    record.last = now;
    stats.delivered++;
    const latency = now - record.t0;
    stats.delivery.push(latency);
    if (record.count === this.members) stats.complete.push(latency);
    const seq = intField(frame, 'seq', frame.indexOf('"message"'));
    if (seq !== undefined) {
      if (seq <= member.lastSeq) stats.outOfOrder++;
      member.lastSeq = seq;
    }
  }

  /** Sends message `n` of the load from the member whose turn it is; `t0` is its scheduled time. */
  private send(t0: number, stats: StepStats, onAck?: () => void): void {
    const n = this.next++;
    const roomIndex = n % this.rooms.length;
    const room = this.rooms[roomIndex];
    const sender = room.members[Math.floor(n / this.rooms.length) % room.members.length];
    const record: MessageRecord = { room: roomIndex, t0, ack: 0, got: new Uint8Array(this.members), count: 0, last: 0, step: stats };
    this.book.set(n, record);
    stats.ids.push(n);
    stats.sent++;
    sender.socket.emitWithAck('message.send', `{"roomId":"${room.id}","body":"bench ${n}${this.bodyPad}","clientId":"${this.prefix}${n}"}`, (ack) => {
      if (ackOk(ack)) {
        record.ack = 1;
        stats.acked++;
        const now = performance.now();
        stats.ack.push(now - record.t0);
        this.onAck?.(n, ack, record.t0, now);
      } else {
        record.ack = 2;
        stats.errors++;
        if (stats.errorSamples.length < 5) stats.errorSamples.push(ackError(ack));
      }
      onAck?.();
    });
  }

  private pendingOf(stats: StepStats): number {
    let pending = 0;
    for (const id of stats.ids) {
      const record = this.book.get(id);
      if (record && (record.ack === 0 || (record.ack === 1 && record.count < this.members))) pending++;
    }
    return pending;
  }

  /** Open loop: `rate` messages/s for `seconds`, on the clock, never waiting for acks. */
  async openLoop(rate: number, seconds: number, drainSeconds: number): Promise<StepResult> {
    const stats = new StepStats();
    const total = Math.max(1, Math.round(rate * seconds));
    const interval = 1000 / rate;
    const db0 = await this.watched.database?.();
    await this.loopStats();
    const meter = new CpuMeter(this.watched);
    meter.start();
    const start = performance.now();
    stats.start = start;
    await new Promise<void>((resolve) => {
      let i = 0;
      const tick = () => {
        const now = performance.now();
        const due = Math.min(total, Math.floor((now - start) / interval) + 1);
        while (i < due) {
          const t0 = start + i * interval;
          this.send(t0, stats);
          stats.lag.push(performance.now() - t0);
          i++;
        }
        if (i >= total) return resolve();
        setTimeout(tick, Math.max(0, start + i * interval - performance.now()));
      };
      tick();
    });
    // The window ends when the last message is due: what was acked and delivered by then is the throughput.
    const windowMs = Math.max(1, performance.now() - start);
    const cpu = meter.stop();
    const inWindow = { acked: stats.acked, delivered: stats.delivered };
    await waitFor(() => this.pendingOf(stats) === 0, drainSeconds * 1000, 25);
    const loop = await this.loopStats();
    return this.finish(stats, { mode: 'open', targetRate: rate }, windowMs, inWindow, cpu, await this.databaseWork(db0, stats.sent), loop);
  }

  /** Closed loop: keeps `window` messages in flight for `seconds` (the saturated throughput). */
  async closedLoop(window: number, seconds: number, drainSeconds: number): Promise<StepResult> {
    const stats = new StepStats();
    const db0 = await this.watched.database?.();
    await this.loopStats();
    const meter = new CpuMeter(this.watched);
    meter.start();
    const start = performance.now();
    stats.start = start;
    const end = start + seconds * 1000;
    let inFlight = 0;
    await new Promise<void>((resolve) => {
      const launch = () => {
        inFlight++;
        this.send(performance.now(), stats, () => {
          inFlight--;
          if (performance.now() < end) launch();
          else if (inFlight === 0) resolve();
        });
      };
      for (let i = 0; i < window; i++) launch();
      // Bound the phase even if acks stop coming.
      setTimeout(resolve, seconds * 1000 + drainSeconds * 1000).unref();
    });
    const windowMs = Math.max(1, Math.min(performance.now(), end) - start);
    const cpu = meter.stop();
    const inWindow = { acked: stats.acked, delivered: stats.delivered };
    await waitFor(() => this.pendingOf(stats) === 0, drainSeconds * 1000, 25);
    const loop = await this.loopStats();
    return this.finish(stats, { mode: 'closed', window }, windowMs, inWindow, cpu, await this.databaseWork(db0, stats.sent), loop);
  }

  /** Event-loop and GC figures of each server since the last call (and resets them). */
  private async loopStats(): Promise<Record<string, LoopStats | null> | undefined> {
    const servers = this.watched.servers.filter((server) => server.loopStats);
    if (servers.length === 0) return undefined;
    const stats = await Promise.all(servers.map((server) => (server.loopStats as () => Promise<LoopStats | null>)()));
    return Object.fromEntries(servers.map((server, i) => [server.name, stats[i]]));
  }

  private async databaseWork(before: DatabaseCounters | undefined, sent: number): Promise<StepResult['database']> {
    if (!before || sent === 0 || !this.watched.database) return undefined;
    await sleep(1100); // backends flush their statistics at most once a second
    const after = await this.watched.database();
    return {
      transactionsPerMessage: round((after.transactions - before.transactions) / sent, 2),
      rowsInsertedPerMessage: round((after.tuplesInserted - before.tuplesInserted) / sent, 2),
      rowsUpdatedPerMessage: round((after.tuplesUpdated - before.tuplesUpdated) / sent, 2),
      checkpoints: after.checkpoints - before.checkpoints,
    };
  }

  private finish(
    stats: StepStats,
    how: Pick<StepResult, 'mode' | 'targetRate' | 'window'>,
    windowMs: number,
    inWindow: { acked: number; delivered: number },
    cpu: CpuReport,
    database: StepResult['database'],
    serverLoop: StepResult['serverLoop'],
  ): StepResult {
    let ackTimeouts = 0;
    let expected = 0;
    const slow = new Map<number, { messages: number; maxMs: number }>();
    let slowMessages = 0;
    for (const id of stats.ids) {
      const record = this.book.get(id);
      if (record?.ack === 0) ackTimeouts++;
      expected += this.members;
      if (record) {
        // Worst latency of the message: its last delivery, or (lost) whatever is known so far, as slow.
        const worst = record.count < this.members ? Infinity : record.last - record.t0;
        if (worst > P99_LIMIT_MS) {
          slowMessages++;
          const bucket = Math.floor((record.t0 - stats.start) / 250);
          const entry = slow.get(bucket) ?? { messages: 0, maxMs: 0 };
          entry.messages++;
          entry.maxMs = Math.max(entry.maxMs, Number.isFinite(worst) ? worst : 0);
          slow.set(bucket, entry);
        }
      }
      this.book.delete(id);
    }
    const seconds = windowMs / 1000;
    const result: StepResult = {
      ...how,
      seconds: round(seconds),
      sent: stats.sent,
      sentPerSecond: round(stats.sent / seconds, 1),
      ackedPerSecond: round(inWindow.acked / seconds, 1),
      deliveriesPerSecond: round(inWindow.delivered / seconds, 1),
      acked: stats.acked,
      errors: stats.errors,
      errorSamples: stats.errorSamples,
      ackTimeouts,
      expectedDeliveries: expected,
      delivered: stats.delivered,
      lost: expected - stats.delivered,
      duplicates: stats.duplicates,
      outOfOrder: stats.outOfOrder,
      ackMs: stats.ack.summary(),
      deliveryMs: stats.delivery.summary(),
      completeMs: stats.complete.summary(),
      sendLagMs: stats.lag.summary(),
      cpu,
      ...(database ? { database } : {}),
      ...(serverLoop ? { serverLoop } : {}),
      slow: {
        messages: slowMessages,
        buckets: [...slow.entries()]
          .sort((a, b) => a[0] - b[0])
          .slice(0, 40)
          .map(([bucket, entry]) => ({ atSecond: bucket / 4, messages: entry.messages, maxMs: round(entry.maxMs, 0) })),
      },
      generatorSaturated: cpu.generator >= GENERATOR_SATURATED,
      pass: true,
      reasons: [],
    };
    const reasons = result.reasons;
    if (result.lost > 0) reasons.push(`${result.lost} deliveries lost`);
    if (result.errors > 0) reasons.push(`${result.errors} error acks (${result.errorSamples[0]})`);
    if (result.ackTimeouts > 0) reasons.push(`${result.ackTimeouts} acks missing`);
    if (result.duplicates > 0) reasons.push(`${result.duplicates} duplicates`);
    const p99 = result.deliveryMs.p99;
    if (p99 === null || p99 > P99_LIMIT_MS) reasons.push(`delivery p99 ${p99} ms > ${P99_LIMIT_MS} ms`);
    if (how.mode === 'open' && how.targetRate && result.sentPerSecond < how.targetRate * 0.97) reasons.push(`generator sent only ${result.sentPerSecond}/s`);
    result.pass = reasons.length === 0;
    result.limitedBy = limitOf(result, this.cores);
    return result;
  }

  /** Warm-up, saturation (closed loop), then open-loop steps from a share of it until the first failing step. */
  async ramp(options: RampOptions, label: string): Promise<RampResult> {
    const members = this.members;
    const rooms = this.rooms.length;
    await options.beforeStep?.();
    // Warm-up: a gentle rate (one message per room and second, at least 20/s) to open the pools and JIT the paths.
    const warmRate = Math.max(20, rooms);
    const warmup = await this.openLoop(warmRate, options.warmupSeconds, options.drainSeconds * 2);
    log(`  ${label} warm-up ${warmRate}/s: ${describe(warmup)}`);
    if (warmup.delivered === 0) throw new Error(`${label}: nothing was delivered during the warm-up (${warmup.reasons.join('; ')})`);
    await this.settle(options);
    const saturation = await this.closedLoop(options.saturationWindow, options.saturationSeconds, options.drainSeconds * 3);
    log(`  ${label} saturated (${options.saturationWindow} in flight): ${saturation.ackedPerSecond} msg/s, ${saturation.deliveriesPerSecond} deliveries/s, ${describe(saturation)}`);
    await this.settle(options);
    const steps: StepResult[] = [];
    let rate = Math.max(10, Math.round(saturation.ackedPerSecond * options.startShare));
    let best: StepResult | null = null;
    let failed: StepResult | null = null;
    let stepDowns = 0;
    let repeats = 0;
    // A failing rate is run once more before it counts: one stall of a few hundred milliseconds (a GC, the VM
    // losing its core) fails a 10 s step, and would end the ramp of either server at a rate it sustains.
    const confirmed = async (rate: number, kind: string): Promise<StepResult> => {
      const first = await this.openLoop(rate, options.stepSeconds, options.drainSeconds);
      steps.push(first);
      log(`  ${label} ${kind} ${rate}/s (${rate * members} deliveries/s): ${first.pass ? 'pass' : 'FAIL'} ${describe(first)}`);
      await this.settle(options);
      if (first.pass) return first;
      first.discarded = 'run again: a failing step counts once it fails twice';
      await options.beforeStep?.();
      const second = await this.openLoop(rate, options.stepSeconds, options.drainSeconds);
      steps.push(second);
      log(`  ${label} ${kind} ${rate}/s again: ${second.pass ? 'pass' : 'FAIL'} ${describe(second)}`);
      await this.settle(options);
      return second;
    };
    for (let i = 0; i < options.maxSteps + stepDowns + repeats; i++) {
      const step = await confirmed(rate, 'step');
      if (!step.pass && step.cpu.other >= options.interferenceThreshold && repeats < options.maxRepeats) {
        // Other users of the machine took CPU during a failed step: it says nothing about the server. Again.
        repeats++;
        step.discarded = `repeated: ${Math.round(step.cpu.other * 100)}% of a core was busy outside the bench`;
        log(`  ${label} step ${rate}/s ${step.discarded}`);
        await options.waitQuiet?.();
        await options.beforeStep?.();
        continue;
      }
      if (!step.pass) {
        // The first step already failing: start lower (at most 3 times) rather than report nothing.
        if (!best && stepDowns < 3 && rate > 10) {
          stepDowns++;
          rate = Math.max(10, Math.round(rate / 2));
          continue;
        }
        failed = step;
        break;
      }
      best = step;
      rate = Math.round(rate * options.factor);
    }
    // Steps of x1.25 leave up to 25% between the last pass and the failure: two bisection steps narrow it to ~6%.
    for (let i = 0; options.refine && i < 2 && best && failed; i++) {
      const mid = Math.round(Math.sqrt((best.targetRate as number) * (failed.targetRate as number)));
      if (mid <= (best.targetRate as number) || mid >= (failed.targetRate as number)) break;
      const step = await confirmed(mid, 'refine');
      if (step.pass) best = step;
      else failed = step;
    }
    const deciding = failed ?? steps[steps.length - 1];
    return {
      warmup,
      saturation,
      steps,
      maxSustained: best
        ? {
            messagesPerSecond: best.targetRate as number,
            deliveriesPerSecond: (best.targetRate as number) * members,
            deliveryP99Ms: best.deliveryMs.p99,
            ackP99Ms: best.ackMs.p99,
          }
        : null,
      saturated: {
        messagesPerSecond: saturation.ackedPerSecond,
        deliveriesPerSecond: saturation.deliveriesPerSecond,
        deliveryP99Ms: saturation.deliveryMs.p99,
        inFlight: options.saturationWindow,
      },
      limitedBy: failed ? (deciding.limitedBy ?? 'unknown') : `not reached within ${options.maxSteps} steps`,
      generatorSaturated: steps.some((step) => step.generatorSaturated && !step.discarded) || saturation.generatorSaturated,
      lateDeliveries: this.late,
      otherEvents: Object.fromEntries(this.otherEvents),
      messageCreatedEvents: [warmup, saturation, ...steps].reduce((sum, step) => sum + step.delivered + step.duplicates, 0) + this.late,
    };
  }

  /** Acks still owed by the server, over every socket (a failed step can leave a backlog). */
  private pendingAcks(): number {
    let pending = 0;
    for (const room of this.rooms) for (const member of room.members) pending += member.socket.pendingAcks;
    return pending;
  }

  /** Between steps: wait for the server's backlog (bounded), let it settle, pin new database backends. */
  private async settle(options: RampOptions): Promise<void> {
    await waitFor(() => this.pendingAcks() === 0, options.drainSeconds * 3000, 50);
    await sleep(750);
    await options.beforeStep?.();
  }
}

function limitOf(step: StepResult, cores: { server: number | null; generator: number | null }): string {
  const cpu = step.cpu;
  const serverCore = cores.server === null ? null : cpu.cores[cores.server];
  const nodes = Object.values(cpu.servers).reduce((a, b) => a + b, 0);
  const detail = `node ${pct(nodes)}, postgres ${pct(cpu.postgres)}${cpu.redis === undefined ? '' : `, redis ${pct(cpu.redis)}`}, generator ${pct(cpu.generator)}, other ${pct(cpu.other)}`;
  if (cpu.generator >= GENERATOR_SATURATED) return `generator CPU (${detail})`;
  if (serverCore !== null && serverCore !== undefined && serverCore >= 0.9) return `server core ${cores.server} busy ${pct(serverCore)} (${detail})`;
  if (cores.server === null && nodes + cpu.postgres >= 0.9 * cpu.cores.length) return `server CPU (${detail})`;
  return `latency without a saturated core: waits (locks, pool, round trips) (${detail})`;
}

const pct = (share: number) => `${Math.round(share * 100)}%`;

export function describe(step: StepResult): string {
  const d = step.deliveryMs;
  const a = step.ackMs;
  return (
    `sent ${step.sent} acked/s ${step.ackedPerSecond} deliv/s ${step.deliveriesPerSecond} | ack p50/p99 ${a.p50}/${a.p99} ms | deliv p50/p95/p99/max ${d.p50}/${d.p95}/${d.p99}/${d.max} ms` +
    ` | lost ${step.lost} dup ${step.duplicates} err ${step.errors} | cpu gen ${pct(step.cpu.generator)} srv ${Object.values(step.cpu.servers).map(pct).join('+')} pg ${pct(step.cpu.postgres)}` +
    `${step.cpu.redis === undefined ? '' : ` redis ${pct(step.cpu.redis)}`} other ${pct(step.cpu.other)}` +
    `${step.database ? ` | db xact/msg ${step.database.transactionsPerMessage}${step.database.checkpoints ? ` checkpoints ${step.database.checkpoints}` : ''}` : ''}` +
    `${step.serverLoop ? ` | loop max ${Object.values(step.serverLoop).map((l) => (l ? `${l.loopDelayMs.max}ms gc max ${l.gc.maxMs}ms` : '-')).join(', ')}` : ''}` +
    `${step.slow.messages ? ` | slow ${step.slow.messages} at ${step.slow.buckets.slice(0, 8).map((b) => `${b.atSecond}s:${b.messages}`).join(' ')}` : ''}` +
    `${step.reasons.length ? ` | ${step.reasons.join('; ')}` : ''}`
  );
}
