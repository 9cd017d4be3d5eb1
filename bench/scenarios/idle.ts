import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context';
import { heapCensus, heapDiff } from '../lib/heap';
import { tokenFor } from '../lib/http';
import { CpuMeter } from '../lib/meter';
import { log, type ServerProcess } from '../lib/procs';
import { LeanSocket } from '../lib/sio-client';
import { mapLimit, ratio, round, Samples, sleep, type Summary } from '../lib/stats';

export interface IdleResult {
  server: string;
  sockets: number;
  connected: number;
  failed: number;
  failureSamples: string[];
  connectSeconds: number;
  connectsPerSecond: number;
  handshakeMs: Summary;
  rssBeforeKiB: number | null;
  rssAfterKiB: number | null;
  rssPerSocketKiB: number | null;
  /** RSS before the forced GC, at the end of the hold (what `ps` showed). */
  rssAfterNoGcKiB: number | null;
  heapUsedBeforeKiB: number | null;
  heapUsedAfterKiB: number | null;
  heapUsedPerSocketKiB: number | null;
  /** external + arrayBuffers (Buffers of the sockets) per socket. */
  externalPerSocketKiB: number | null;
  /** Server CPU (share of a core) while the sockets sat idle. */
  idleServerCpu: number | null;
  idleCpu?: Record<string, unknown>;
  droppedWhileIdle: number;
  /** With --heap-diff: what each socket adds to the heap, by object kind (shallow sizes). */
  heapDiff?: Array<{ kind: string; countPerSocket: number; bytesPerSocket: number }>;
  /** Set when the RSS figures are not to be trusted (heap snapshots allocate a lot). */
  rssNote?: string;
  error?: string;
}

/** 10,000 authenticated sockets held open: server RSS before and after, per socket. */
export async function idleScenario(ctx: BenchContext): Promise<Record<string, unknown>> {
  const parley = await runIdle(ctx, 'parley');
  const bare = ctx.options.bare ? await runIdle(ctx, 'bare') : undefined;
  return {
    setup: {
      sockets: ctx.options.idleSockets,
      transport: 'websocket',
      users: 'one distinct user per socket, member of no room',
      holdSeconds: ctx.options.idleHoldSeconds,
    },
    parley,
    ...(bare ? { bare } : {}),
    ratioToBare: bare ? { rssPerSocket: ratio(parley.rssPerSocketKiB, bare.rssPerSocketKiB) } : null,
  };
}

async function runIdle(ctx: BenchContext, kind: 'parley' | 'bare'): Promise<IdleResult> {
  const count = ctx.options.idleSockets;
  const label = `idle/${kind}`;
  log(`${label}: starting, ${count} sockets`);
  const result: IdleResult = {
    server: kind,
    sockets: count,
    connected: 0,
    failed: 0,
    failureSamples: [],
    connectSeconds: 0,
    connectsPerSecond: 0,
    handshakeMs: new Samples().summary(),
    rssBeforeKiB: null,
    rssAfterKiB: null,
    rssPerSocketKiB: null,
    rssAfterNoGcKiB: null,
    heapUsedBeforeKiB: null,
    heapUsedAfterKiB: null,
    heapUsedPerSocketKiB: null,
    externalPerSocketKiB: null,
    idleServerCpu: null,
    droppedWhileIdle: 0,
  };
  let server: ServerProcess | undefined;
  const sockets: LeanSocket[] = [];
  try {
    server = kind === 'parley' ? await ctx.startParley(`idle-${kind}`) : await ctx.startBare(`idle-${kind}`);
    const url = server.url;
    const tag = ctx.tag('i');
    await ctx.waitQuiet(label);
    // Warm the connection path (JIT, pools, lazy modules) with a few sockets, closed again before the baseline.
    const warm = await mapLimit(Array.from({ length: 200 }, (_, i) => i), 50, (i) => LeanSocket.connect(url, '/chat', { token: tokenFor(ctx.secret, `${tag}-warm-${i}`) }));
    for (const socket of warm) socket.close();
    await sleep(3000);
    const before = await server.memory(true);
    result.rssBeforeKiB = before ? Math.round(before.rss / 1024) : server.rssKiB();
    result.heapUsedBeforeKiB = before ? Math.round(before.heapUsed / 1024) : null;
    const snapshots = ctx.options.heapDiff ? { before: join(ctx.profileDir, `${server.name}-before.heapsnapshot`), after: join(ctx.profileDir, `${server.name}-after.heapsnapshot`) } : null;
    if (snapshots) await server.heapSnapshot(snapshots.before);
    const handshake = new Samples();
    const started = performance.now();
    await mapLimit(Array.from({ length: count }, (_, i) => i), 200, async (i) => {
      const t0 = performance.now();
      try {
        const socket = await LeanSocket.connect(url, '/chat', { token: tokenFor(ctx.secret, `${tag}-u${i}`) }, 30_000);
        handshake.push(performance.now() - t0);
        sockets.push(socket);
      } catch (error) {
        result.failed++;
        if (result.failureSamples.length < 5) result.failureSamples.push(error instanceof Error ? error.message : String(error));
      }
    });
    result.connectSeconds = round((performance.now() - started) / 1000);
    result.connected = sockets.length;
    result.connectsPerSecond = round(sockets.length / result.connectSeconds, 0);
    result.handshakeMs = handshake.summary();
    log(`${label}: ${sockets.length} connected (${result.failed} failed) in ${result.connectSeconds} s, handshake p50/p99 ${result.handshakeMs.p50}/${result.handshakeMs.p99} ms`);
    // Hold them idle, measuring the server's CPU meanwhile (presence heartbeats, timers).
    const meter = new CpuMeter({ servers: [{ name: server.name, pid: server.pid }], postgres: () => (kind === 'parley' ? ctx.backends.pids : []) });
    await ctx.refreshBackends();
    meter.start();
    await sleep(ctx.options.idleHoldSeconds * 1000);
    const cpu = meter.stop();
    result.idleCpu = cpu as unknown as Record<string, unknown>;
    result.idleServerCpu = cpu.servers[server.name] ?? null;
    result.rssAfterNoGcKiB = server.rssKiB();
    const after = await server.memory(true);
    result.rssAfterKiB = after ? Math.round(after.rss / 1024) : result.rssAfterNoGcKiB;
    result.heapUsedAfterKiB = after ? Math.round(after.heapUsed / 1024) : null;
    result.droppedWhileIdle = sockets.filter((socket) => !socket.connected).length;
    const n = sockets.length;
    if (result.rssBeforeKiB !== null && result.rssAfterKiB !== null && n > 0) result.rssPerSocketKiB = round((result.rssAfterKiB - result.rssBeforeKiB) / n, 2);
    if (before && after && n > 0) {
      result.heapUsedPerSocketKiB = round((after.heapUsed - before.heapUsed) / 1024 / n, 2);
      result.externalPerSocketKiB = round((after.external + after.arrayBuffers - before.external - before.arrayBuffers) / 1024 / n, 2);
    }
    if (snapshots) result.rssNote = 'not valid with --heap-diff: writing the snapshots grows RSS; use heapUsedPerSocketKiB';
    if (snapshots && (await server.heapSnapshot(snapshots.after))) {
      result.heapDiff = heapDiff(heapCensus(snapshots.before), heapCensus(snapshots.after), n);
      for (const file of [snapshots.before, snapshots.after]) rmSync(file, { force: true });
      log(`${label}: heap growth per socket by kind:\n${result.heapDiff.map((row) => `    ${String(row.bytesPerSocket).padStart(7)} B  ${String(row.countPerSocket).padStart(6)} x  ${row.kind}`).join('\n')}`);
    }
    log(
      `${label}: RSS (after a full GC) ${result.rssBeforeKiB} -> ${result.rssAfterKiB} KiB = ${result.rssPerSocketKiB} KiB/socket (without GC ${result.rssAfterNoGcKiB} KiB); ` +
        `heap ${result.heapUsedPerSocketKiB} KiB/socket; idle server CPU ${result.idleServerCpu}; dropped ${result.droppedWhileIdle}`,
    );
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    log(`${label}: ERROR ${result.error}`);
  } finally {
    for (const socket of sockets) socket.terminate();
    if (server) await ctx.stop(server);
  }
  return result;
}
