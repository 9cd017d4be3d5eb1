import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monotonicUs, type BenchContext } from '../lib/context';
import { API, expectStatus, http, tokenFor } from '../lib/http';
import { FanoutLoad, type LoadRoom, type RampResult, type StepResult } from '../lib/load';
import { log, ServerProcess } from '../lib/procs';
import { LeanSocket, stringField } from '../lib/sio-client';
import { mapLimit, ratio, round, Samples, sleep, summarize, waitFor, type Summary } from '../lib/stats';
import { rampOptions } from './realtime';

const ROOMS = 50;
const MEMBERS = 20;
/** Members 0, 2, 4... of each room are online (one socket each, the senders); the odd ones never connect. */
const ONLINE = MEMBERS / 2;
const OFFLINE = MEMBERS - ONLINE;
/** The light latency phase (messages/s): well under what the delivery workers send, so it shows their own latency. */
const LIGHT_RATE = 10;
/** How long the backlog the ramp left is watched draining before it is deleted. */
const AFTER_RAMP_SECONDS = 60;

interface FakesReady {
  origin: string;
  caFile: string;
  serviceAccountFile: string;
  webhookUrl: string;
  webhookSecret: string;
}

interface FakeCounts {
  pushes: number;
  webhooks: number;
  lastAt: number;
  tokenRequests: number;
  unauthorized: number;
  badSignatures: number;
  badRequests: number;
  otherWebhooks: number;
}

interface FakeDump {
  pushes: { ids: string[]; at: number[] };
  hooks: { types: string[]; ids: string[]; at: number[] };
  counters: Omit<FakeCounts, 'pushes' | 'webhooks' | 'lastAt'>;
}

/** The fake FCM (token endpoint + messages:send) and webhook receiver: bench/notify-fakes.ts in a pinned child. */
class Fakes {
  private asked = 0;

  private constructor(
    readonly process: ServerProcess,
    readonly ready: FakesReady,
  ) {}

  static async start(ctx: BenchContext): Promise<Fakes> {
    const dir = mkdtempSync(join(tmpdir(), 'parley-bench-fakes-'));
    ctx.tempDirs.push(dir);
    const child = ServerProcess.spawn('notify-fakes', process.execPath, [join(ctx.benchJs, 'notify-fakes.js'), dir], { cpu: ctx.options.generatorCpu, port: 0, ipc: true });
    ctx.running.add(child);
    const ready = await new Promise<FakesReady>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the notification fakes did not start in 30 s:\n${child.output.join('').slice(-2000)}`)), 30_000);
      child.child.on('message', (message: { type?: string } & FakesReady) => {
        if (message?.type !== 'ready') return;
        clearTimeout(timer);
        resolve(message);
      });
      child.child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`the notification fakes exited:\n${child.output.join('').slice(-2000)}`));
      });
    });
    return new Fakes(child, ready);
  }

  /** Environment of a Parley server sending to these fakes (TLS verified against the run's CA). */
  serverEnv(): Record<string, string> {
    return {
      FCM_SERVICE_ACCOUNT_FILE: this.ready.serviceAccountFile,
      FCM_API_URL: this.ready.origin,
      WEBHOOK_URL: this.ready.webhookUrl,
      WEBHOOK_SECRET: this.ready.webhookSecret,
      NODE_EXTRA_CA_CERTS: this.ready.caFile,
    };
  }

  ask<T>(type: 'counts' | 'reset' | 'dump'): Promise<T> {
    const id = ++this.asked;
    const child = this.process.child;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`the notification fakes did not answer ${type}`)), 30_000);
      const listener = (message: { id?: number; type?: string }) => {
        if (message?.id === id) done(null, message as T);
      };
      const done = (error: Error | null, value?: T) => {
        clearTimeout(timer);
        child.off('message', listener);
        if (error) reject(error);
        else resolve(value as T);
      };
      child.on('message', listener);
      child.send({ type, id });
    });
  }
}

export interface NotifyRun {
  notifications: boolean;
  devices: number;
  ramp?: RampResult;
  /**
   * With notifications: the backlog the ramp left, how long it took to drain (null: not within `waitedSeconds`), the
   * pushes + webhooks/s the fakes received meanwhile, and the rows deleted after the wait.
   */
  afterRamp?: { outbox: number; deliveries: number; drainedSeconds: number | null; waitedSeconds: number; discarded: number; sentPerSecondWhileDraining: number };
  /** With notifications: the latency phases (a light rate, then the rate the run without notifications sustained). */
  phases?: NotifyPhase[];
  fakes?: FakeCounts;
  rss?: number | null;
  error?: string;
}

export interface NotifyPhase {
  rate: number;
  seconds: number;
  step: StepResult;
  ackedMessages: number;
  expectedPushes: number;
  pushes: number;
  expectedWebhooks: number;
  webhooks: number;
  unmatched: number;
  duplicatePushes: number;
  /** Set when some pushes or webhooks never came within the wait: the latencies are of those received (lower bounds). */
  receivedOnly: boolean;
  /** Ack of the send → the fake FCM receiving the push (matched by `data.messageId`). */
  pushMs: Summary;
  /** Scheduled send time → push. */
  pushFromSendMs: Summary;
  /** Ack → the webhook receiver getting `message.created` / `notification` of the message. */
  webhookMs: { 'message.created': Summary; notification: Summary };
  /** Pushes/s the fake received between its first and last push, and what the load needs. */
  pushesPerSecond: number | null;
  neededPushesPerSecond: number;
  /** Last ack → the last push or webhook received (every expected one had come). */
  drainSeconds: number | null;
  /** Last ack → the first poll that saw chat_outbox and chat_deliveries empty (polls every 250 ms). */
  backlogEmptySeconds: number | null;
  /** Largest queue sizes seen while polling (pg_stat_user_tables: approximate). */
  peakBacklog: { outbox: number; deliveries: number };
  complete: boolean;
  /** Rows still queued when the wait ended (deleted before the next phase). */
  discarded: number;
}

/**
 * `notify`: the fan-out load (50 rooms × 20 members) run twice on fresh servers: without notifications configured,
 * then with FCM and a webhook (fakes on 127.0.0.1, HTTPS with the run's CA). Every member has an FCM device; half
 * of each room is offline, so each message makes 10 pushes, 10 `notification` webhooks and 1 `message.created`.
 */
export async function notifyScenario(ctx: BenchContext): Promise<Record<string, unknown>> {
  const ramp = rampOptions(ctx, 'notify', 200);
  const without = await runNotify(ctx, null, ramp, 0);
  // The latency phase runs at --notify-rate, else at the rate the run without notifications sustained.
  const phaseRate = ctx.options.notifyRate || without.ramp?.maxSustained?.messagesPerSecond || 100;
  let fakes: Fakes | null = null;
  let withRun: NotifyRun;
  try {
    fakes = await Fakes.start(ctx);
    withRun = await runNotify(ctx, fakes, ramp, phaseRate);
  } catch (error) {
    withRun = { notifications: true, devices: 0, error: error instanceof Error ? error.message : String(error) };
  } finally {
    if (fakes) await ctx.stop(fakes.process);
  }
  const a = without.ramp?.maxSustained?.messagesPerSecond;
  // A ramp without a passing step (not even the rate halved three times) sustained nothing: 0, not unknown.
  const b = withRun.ramp ? (withRun.ramp.maxSustained?.messagesPerSecond ?? 0) : undefined;
  const sustainedRatio = ratio(b, a);
  return {
    setup: {
      rooms: ROOMS,
      membersPerRoom: MEMBERS,
      online: `${ONLINE} per room (members 0, 2, 4...; one socket each; they send, in turn)`,
      offline: `${OFFLINE} per room (no socket)`,
      devices: 'one FCM token per member (POST /devices), in both runs',
      perMessage: `${OFFLINE} pushes, ${OFFLINE} notification webhooks, 1 message.created webhook`,
      fakes: 'bench/notify-fakes.ts: OAuth token endpoint, FCM HTTP v1 messages:send, webhook receiver; one HTTPS server on 127.0.0.1 in a child process pinned to the generator core; the server trusts their CA through NODE_EXTRA_CA_CERTS',
      socketEventsPerSecond: ctx.options.eventsPerSecond,
    },
    without,
    with: withRun,
    comparison: {
      maxSustainedWithout: a ?? null,
      maxSustainedWith: b ?? null,
      maxSustainedRatio: sustainedRatio,
      saturatedRatio: ratio(withRun.ramp?.saturated.messagesPerSecond, without.ramp?.saturated.messagesPerSecond),
      withinTenPercent: sustainedRatio === null ? null : sustainedRatio >= 0.9,
    },
  };
}

/**
 * One run on a fresh server: the ramp (both runs start it with an empty backlog). With notifications, then: the drain
 * of what the ramp left (bounded, then deleted), and the latency phases at LIGHT_RATE and at `phaseRate`.
 */
async function runNotify(ctx: BenchContext, fakes: Fakes | null, ramp: ReturnType<typeof rampOptions>, phaseRate: number): Promise<NotifyRun> {
  const label = `notify/${fakes ? 'with' : 'without'}`;
  log(`${label}: starting`);
  const result: NotifyRun = { notifications: !!fakes, devices: 0 };
  let server: ServerProcess | null = null;
  let rooms: LoadRoom[] = [];
  let window: { fromUs: number; toUs: number } | undefined;
  try {
    server = await ctx.startParley(`notify-${fakes ? 'with' : 'without'}`, fakes ? fakes.serverEnv() : {}, ctx.options.cpuProf);
    const config = await expectStatus(http(server.url, 'GET', `${API}/notifications/config`, tokenFor(ctx.secret, 'bench-config')), 200);
    if (!!(config.body as { fcm?: boolean }).fcm !== !!fakes) throw new Error(`GET /notifications/config answered ${JSON.stringify(config.body)}`);
    const tag = ctx.tag('n');
    await ctx.waitQuiet(label);
    rooms = await buildTopology(ctx, server.url, tag);
    result.devices = ROOMS * MEMBERS;
    await sleep(1500); // presence fan-out of the connections settles
    const srv = server;
    const load = new FanoutLoad(
      rooms,
      tag,
      {
        servers: [{ name: srv.name, pid: srv.pid, loopStats: () => srv.loopStats() }],
        postgres: () => ctx.backends.pids,
        database: () => ctx.databaseCounters(),
        ...(fakes ? { extra: { fakes: fakes.process.pid } } : {}),
      },
      { server: ctx.options.serverCpu, generator: ctx.options.generatorCpu },
    );
    window = { fromUs: monotonicUs(), toUs: 0 };
    result.ramp = await load.ramp(ramp, label);
    const r = result.ramp;
    log(`${label}: max sustained ${r.maxSustained ? `${r.maxSustained.messagesPerSecond} msg/s` : 'none'}; saturated ${r.saturated.messagesPerSecond} msg/s; limited by ${r.limitedBy}`);
    if (fakes) {
      // --cpu-prof: the with-notifications profile covers the notification work after the ramp (no sends for 60 s),
      // then the latency phases.
      window.fromUs = monotonicUs();
      // What the ramp left: drained for a bounded time (the rate it drains at), then deleted so each phase starts empty.
      const left = await backlog(ctx);
      const counted = await fakes.ask<FakeCounts>('counts');
      const started = Date.now();
      const drained = await waitFor(async () => (await probe(ctx)).empty, AFTER_RAMP_SECONDS * 1000, 250);
      const seconds = (Date.now() - started) / 1000;
      const now = await fakes.ask<FakeCounts>('counts');
      const sent = now.pushes + now.webhooks - counted.pushes - counted.webhooks;
      const discarded = await discardBacklog(ctx);
      result.afterRamp = { ...left, drainedSeconds: drained ? round(seconds, 1) : null, waitedSeconds: round(seconds, 1), discarded, sentPerSecondWhileDraining: round(sent / Math.max(0.001, seconds), 1) };
      log(`${label}: backlog after the ramp ${left.outbox} outbox + ${left.deliveries} deliveries; ${drained ? `drained in ${result.afterRamp.drainedSeconds} s` : `NOT drained in ${Math.round(seconds)} s (${discarded} rows left, deleted)`}; ${result.afterRamp.sentPerSecondWhileDraining} pushes+webhooks/s meanwhile`);
      await sleep(750);
      result.phases = [];
      for (const rate of [...new Set([LIGHT_RATE, phaseRate])]) {
        result.phases.push(await latencyPhase(ctx, load, fakes, rate, label));
        await sleep(750);
      }
      result.fakes = await fakes.ask<FakeCounts>('counts');
    }
    window.toUs = monotonicUs();
    result.rss = srv.rssKiB();
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    log(`${label}: ERROR ${result.error}`);
  } finally {
    for (const room of rooms) for (const member of room.members) member.socket.close();
    if (server) await ctx.stop(server, label, window && window.toUs ? window : undefined);
  }
  return result;
}

/** Rooms of 20 over REST, one FCM device per member, sockets for the even members only. */
async function buildTopology(ctx: BenchContext, url: string, tag: string): Promise<LoadRoom[]> {
  const started = performance.now();
  const users = Array.from({ length: ROOMS }, (_, r) => Array.from({ length: MEMBERS }, (_, k) => `${tag}-r${r}-m${k}`));
  const roomIds = await mapLimit(users, 8, async (members, r) => {
    const created = await expectStatus(http(url, 'POST', `${API}/rooms`, tokenFor(ctx.secret, members[0]), { type: 'group', title: `bench ${tag} ${r}`, memberIds: members.slice(1) }), 201);
    return (created.body as { id: string }).id;
  });
  await mapLimit(users.flat(), 16, (userId) => expectStatus(http(url, 'POST', `${API}/devices`, tokenFor(ctx.secret, userId), { platform: 'fcm', token: `bench-${userId}-fcm-registration-token` }), 201));
  const rooms: LoadRoom[] = roomIds.map((id) => ({ id, members: [] }));
  const online = users.flatMap((members, r) => members.flatMap((userId, k) => (k % 2 === 0 ? [{ userId, r, index: k / 2 }] : [])));
  await mapLimit(online, 100, async ({ userId, r, index }) => {
    const socket = await LeanSocket.connect(url, '/chat', { token: tokenFor(ctx.secret, userId) });
    rooms[r].members[index] = { socket, userId, room: r, index, node: 0, lastSeq: 0 };
  });
  log(`  ${ROOMS} rooms x ${MEMBERS} members, ${ROOMS * MEMBERS} devices, ${online.length} sockets (half of each room offline) ready in ${Math.round(performance.now() - started)} ms`);
  return rooms;
}

/** Exact queue sizes: count(*) of both tables (tens of ms on a big backlog, on the server core: not for polling). */
async function backlog(ctx: BenchContext): Promise<{ outbox: number; deliveries: number }> {
  const { rows } = await ctx.admin.query<{ outbox: number; deliveries: number }>(
    `SELECT (SELECT count(*) FROM chat_outbox)::int AS outbox, (SELECT count(*) FROM chat_deliveries)::int AS deliveries`,
  );
  return rows[0];
}

/**
 * For polling: whether both tables are empty (exact: the first row by primary key), and their sizes from
 * pg_stat_user_tables (approximate: the statistics lag by up to a second). Costs well under a millisecond.
 */
async function probe(ctx: BenchContext): Promise<{ empty: boolean; outbox: number; deliveries: number }> {
  const { rows } = await ctx.admin.query<{ empty: boolean; outbox: string | null; deliveries: string | null }>(
    `SELECT NOT EXISTS (SELECT 1 FROM (SELECT id FROM chat_outbox ORDER BY id LIMIT 1) o)
            AND NOT EXISTS (SELECT 1 FROM (SELECT id FROM chat_deliveries ORDER BY id LIMIT 1) d) AS empty,
            (SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = 'chat_outbox') AS outbox,
            (SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = 'chat_deliveries') AS deliveries`,
  );
  return { empty: rows[0].empty, outbox: Math.max(0, Number(rows[0].outbox ?? 0)), deliveries: Math.max(0, Number(rows[0].deliveries ?? 0)) };
}

/** Deletes what is still queued (after a bounded wait), so the next measurement starts empty; returns the rows. */
async function discardBacklog(ctx: BenchContext): Promise<number> {
  const outbox = await ctx.admin.query('DELETE FROM chat_outbox');
  const deliveries = await ctx.admin.query('DELETE FROM chat_deliveries');
  return (outbox.rowCount ?? 0) + (deliveries.rowCount ?? 0);
}


/**
 * A fixed rate for `notifySeconds` on a drained backlog: every ack's time and message id are kept, the fakes
 * record each push and webhook, the backlog is polled every 250 ms; then the wait for every expected push and
 * webhook (bounded by `notifyDrainSeconds`).
 */
async function latencyPhase(ctx: BenchContext, load: FanoutLoad, fakes: Fakes, rate: number, label: string): Promise<NotifyPhase> {
  const seconds = ctx.options.notifySeconds;
  await ctx.refreshBackends();
  await fakes.ask('reset');
  log(`  ${label}: latency phase, ${rate} msg/s for ${seconds} s`);
  // Both processes read CLOCK_MONOTONIC: the fakes through process.hrtime, the generator's performance.now() + offset.
  const offset = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  const hrNow = () => Number(process.hrtime.bigint()) / 1e6;
  const acks = new Map<string, { t0: number; at: number }>();
  load.onAck = (_n, ack, t0, at) => {
    const id = stringField(ack, 'id');
    if (id) acks.set(id, { t0: t0 + offset, at: at + offset });
  };
  const samples: Array<{ at: number; empty: boolean; outbox: number; deliveries: number }> = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      samples.push({ at: hrNow(), ...(await probe(ctx)) });
      await sleep(250);
    }
  })();
  let step: StepResult;
  let complete = false;
  let lastAck = 0;
  try {
    step = await load.openLoop(rate, seconds, ctx.options.drainSeconds);
    log(`  ${label} ${rate}/s for ${seconds} s: ${step.acked} acked, socket delivery p99 ${step.deliveryMs.p99} ms, ack p99 ${step.ackMs.p99} ms; waiting for the pushes`);
    for (const a of acks.values()) lastAck = Math.max(lastAck, a.at);
    const expectedPushes = acks.size * OFFLINE;
    const expectedWebhooks = acks.size * (1 + OFFLINE);
    let lastLog = Date.now();
    complete = await waitFor(
      async () => {
        const counts = await fakes.ask<FakeCounts>('counts');
        const last = samples[samples.length - 1];
        if (Date.now() - lastLog > 15_000) {
          lastLog = Date.now();
          log(`  ${label}: ${counts.pushes}/${expectedPushes} pushes, ${counts.webhooks}/${expectedWebhooks} webhooks; backlog ${last?.outbox} outbox + ${last?.deliveries} deliveries`);
        }
        return counts.pushes >= expectedPushes && counts.webhooks >= expectedWebhooks && !!last && last.at > lastAck && last.empty;
      },
      ctx.options.notifyDrainSeconds * 1000,
      250,
    );
  } finally {
    polling = false;
    await poller;
    load.onAck = undefined;
  }
  const dump = await fakes.ask<FakeDump>('dump');
  const push = new Samples();
  const pushFromSend = new Samples();
  const perMessage = new Map<string, number>();
  let unmatched = 0;
  for (let i = 0; i < dump.pushes.ids.length; i++) {
    const a = acks.get(dump.pushes.ids[i]);
    if (!a) {
      unmatched++;
      continue;
    }
    push.push(dump.pushes.at[i] - a.at);
    pushFromSend.push(dump.pushes.at[i] - a.t0);
    perMessage.set(dump.pushes.ids[i], (perMessage.get(dump.pushes.ids[i]) ?? 0) + 1);
  }
  let duplicatePushes = 0;
  for (const count of perMessage.values()) duplicatePushes += Math.max(0, count - OFFLINE);
  const hooks = { 'message.created': [] as number[], notification: [] as number[] };
  for (let i = 0; i < dump.hooks.ids.length; i++) {
    const a = acks.get(dump.hooks.ids[i]);
    const type = dump.hooks.types[i] as keyof typeof hooks;
    if (!a || !hooks[type]) {
      unmatched++;
      continue;
    }
    hooks[type].push(dump.hooks.at[i] - a.at);
  }
  const arrivals = [...dump.pushes.at, ...dump.hooks.at];
  const lastArrival = arrivals.reduce((m, v) => Math.max(m, v), 0);
  const pushTimes = dump.pushes.at;
  const firstPush = pushTimes.reduce((m, v) => Math.min(m, v), Infinity);
  const lastPush = pushTimes.reduce((m, v) => Math.max(m, v), 0);
  const emptyAt = samples.find((s) => s.at > lastAck && s.empty)?.at;
  const discarded = complete ? 0 : await discardBacklog(ctx);
  const phase: NotifyPhase = {
    rate,
    seconds,
    step,
    ackedMessages: acks.size,
    expectedPushes: acks.size * OFFLINE,
    pushes: dump.pushes.ids.length,
    expectedWebhooks: acks.size * (1 + OFFLINE),
    webhooks: dump.hooks.ids.length,
    unmatched,
    duplicatePushes,
    pushMs: push.summary(),
    pushFromSendMs: pushFromSend.summary(),
    webhookMs: { 'message.created': summarize(hooks['message.created']), notification: summarize(hooks.notification) },
    pushesPerSecond: pushTimes.length > 1 && lastPush > firstPush ? round((pushTimes.length / (lastPush - firstPush)) * 1000, 1) : null,
    neededPushesPerSecond: rate * OFFLINE,
    drainSeconds: complete && lastAck ? round((lastArrival - lastAck) / 1000, 2) : null,
    backlogEmptySeconds: emptyAt && lastAck ? round((emptyAt - lastAck) / 1000, 2) : null,
    peakBacklog: { outbox: Math.max(0, ...samples.map((s) => s.outbox)), deliveries: Math.max(0, ...samples.map((s) => s.deliveries)) },
    complete,
    discarded,
    receivedOnly: !complete,
  };
  log(
    `  ${label}: pushes ${phase.pushes}/${phase.expectedPushes}, ack→push p50 ${phase.pushMs.p50} ms p99 ${phase.pushMs.p99} ms; webhooks ${phase.webhooks}/${phase.expectedWebhooks}, notification p50 ${phase.webhookMs.notification.p50} ms p99 ${phase.webhookMs.notification.p99} ms; drained ${phase.drainSeconds ?? 'NOT'} s after the last ack (backlog empty at ${phase.backlogEmptySeconds} s); ${phase.pushesPerSecond} pushes/s (load needs ${phase.neededPushesPerSecond})`,
  );
  return phase;
}
