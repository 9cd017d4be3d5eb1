import type { BenchContext } from '../lib/context';
import { monotonicUs } from '../lib/context';
import { buildTopology, closeTopology, FanoutLoad, type RampOptions, type RampResult } from '../lib/load';
import { log, type ServerProcess } from '../lib/procs';
import { ratio } from '../lib/stats';

export interface RealtimeSpec {
  /** Scenario key: fanout, twonode, hotroom. */
  name: string;
  rooms: number;
  membersPerRoom: number;
  nodes: 1 | 2;
  /** Messages in flight for the saturation (closed-loop) phase. */
  saturationWindow: number;
  /** Run the same load against the bare server too. */
  withBare: boolean;
}

export interface RealtimeTargetResult {
  server: string;
  nodes: number;
  ramp?: RampResult;
  error?: string;
  rss: Record<string, number | null>;
}

/** Fan-out, two nodes, hot room: the same ramp against Parley (PostgreSQL, Redis for two nodes) and the bare server. */
export async function realtimeScenario(ctx: BenchContext, spec: RealtimeSpec): Promise<Record<string, unknown>> {
  const o = ctx.options;
  const ramp = rampOptions(ctx, spec.name, spec.saturationWindow);
  const parley = await runTarget(ctx, spec, 'parley', ramp);
  const bare = spec.withBare ? await runTarget(ctx, { ...spec, nodes: 1 }, 'bare', ramp) : undefined;
  const p = parley.ramp;
  const b = bare?.ramp;
  return {
    setup: {
      rooms: spec.rooms,
      membersPerRoom: spec.membersPerRoom,
      sockets: spec.rooms * spec.membersPerRoom,
      nodes: spec.nodes,
      senders: 'every member in turn (round-robin over rooms, then members)',
      socketEventsPerSecond: o.eventsPerSecond,
      bareNodes: bare ? 1 : undefined,
    },
    parley,
    ...(bare ? { bare } : {}),
    ratioToBare: b
      ? {
          maxSustainedDeliveriesPerSecond: ratio(p?.maxSustained?.deliveriesPerSecond, b.maxSustained?.deliveriesPerSecond),
          saturatedMessagesPerSecond: ratio(p?.saturated.messagesPerSecond, b.saturated.messagesPerSecond),
          bareLimitedByGenerator: b.generatorSaturated,
        }
      : null,
  };
}

/** The ramp of the realtime scenarios (fanout, twonode, hotroom; notify runs the same). */
export function rampOptions(ctx: BenchContext, name: string, saturationWindow: number): RampOptions {
  const o = ctx.options;
  return {
    stepSeconds: o.stepSeconds,
    warmupSeconds: o.warmupSeconds,
    drainSeconds: o.drainSeconds,
    startShare: o.startShare,
    factor: o.factor,
    maxSteps: o.maxSteps,
    refine: o.refine,
    saturationSeconds: o.saturationSeconds,
    saturationWindow,
    serverCpu: o.serverCpu,
    generatorCpu: o.generatorCpu,
    beforeStep: () => ctx.refreshBackends(),
    waitQuiet: () => ctx.waitQuiet(`repeating a ${name} step`, 30),
    interferenceThreshold: 0.3,
    maxRepeats: 3,
  };
}

async function runTarget(ctx: BenchContext, spec: RealtimeSpec, kind: 'parley' | 'bare', ramp: RampOptions): Promise<RealtimeTargetResult> {
  const label = `${spec.name}/${kind}${spec.nodes === 2 ? ' (2 nodes)' : ''}`;
  log(`${label}: starting`);
  const servers: ServerProcess[] = [];
  let redis: ServerProcess | null = null;
  const profile = kind === 'parley' && ctx.options.cpuProf;
  const result: RealtimeTargetResult = { server: kind, nodes: spec.nodes, rss: {} };
  let window: { fromUs: number; toUs: number } | undefined;
  try {
    if (spec.nodes === 2) {
      redis = await ctx.startRedis();
      if (!redis) throw new Error('redis-server is not installed: the two-node scenario needs it');
    }
    const env: Record<string, string> = redis ? { REDIS_URL: `redis://127.0.0.1:${redis.port}` } : {};
    for (let i = 0; i < spec.nodes; i++) {
      const name = `${spec.name}-${kind}-node${i + 1}`;
      servers.push(kind === 'parley' ? await ctx.startParley(name, env, profile) : await ctx.startBare(name, env));
    }
    const tag = ctx.tag(spec.name.slice(0, 1));
    await ctx.waitQuiet(label);
    const rooms = await buildTopology({ kind, urls: servers.map((s) => s.url), rooms: spec.rooms, membersPerRoom: spec.membersPerRoom, secret: ctx.secret, tag });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500)); // presence fan-out of the connections settles
      const load = new FanoutLoad(
        rooms,
        tag,
        {
          servers: servers.map((s) => ({ name: s.name, pid: s.pid, loopStats: () => s.loopStats() })),
          postgres: () => (kind === 'parley' ? ctx.backends.pids : []),
          redis: redis?.pid,
          database: kind === 'parley' ? () => ctx.databaseCounters() : undefined,
        },
        { server: ctx.options.serverCpu, generator: ctx.options.generatorCpu },
      );
      const fromUs = monotonicUs();
      result.ramp = await load.ramp(ramp, label);
      window = { fromUs, toUs: monotonicUs() };
      for (const server of servers) result.rss[server.name] = server.rssKiB();
      const r = result.ramp;
      log(
        `${label}: max sustained ${r.maxSustained ? `${r.maxSustained.messagesPerSecond} msg/s = ${r.maxSustained.deliveriesPerSecond} deliveries/s` : 'none'}; saturated ${r.saturated.messagesPerSecond} msg/s; limited by ${r.limitedBy}`,
      );
    } finally {
      closeTopology(rooms);
    }
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    log(`${label}: ERROR ${result.error}`);
  } finally {
    for (const server of servers) await ctx.stop(server, `${spec.name}/${server.name}`, window);
    if (redis) await ctx.stop(redis);
  }
  return result;
}
