/**
 * `npm run bench [-- options]`: the Parley benchmark set (issue 7). See bench/README.md.
 *
 * stdout: exactly one JSON object with every figure (also written to bench/results/latest.json).
 * stderr: progress and the readable table.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { BENCH_RATE_LIMITS, BenchContext, type Options } from './lib/context';
import { ADMIN_URL, createBenchDatabase, databaseUrl, DatabaseBackends, dropBenchDatabase, withClient } from './lib/db';
import { P99_LIMIT_MS, type RampResult } from './lib/load';
import { HAS_TASKSET, log, pin } from './lib/procs';
import { round } from './lib/stats';
import { historyScenario } from './scenarios/history';
import { stormScenario } from './scenarios/storm';
import { idleScenario } from './scenarios/idle';
import { notifyScenario } from './scenarios/notify';
import { realtimeScenario } from './scenarios/realtime';

const ROOT = resolve(__dirname, '../../..');
const BENCH_JS = __dirname;
const SCENARIOS = ['fanout', 'twonode', 'hotroom', 'idle', 'history', 'storm', 'notify'] as const;

function parseOptions(argv: string[]): Options {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg} (see bench/README.md)`);
    flags.set(match[1], match[2] ?? 'true');
  }
  const env = process.env;
  const quick = flags.has('quick') || env.BENCH_QUICK === '1';
  const num = (name: string, fallback: number) => {
    const raw = flags.get(name) ?? env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
    return value;
  };
  const cpu = (name: string, fallback: number) => {
    const raw = flags.get(name);
    if (raw === 'none') return null;
    return cpus().length < 2 ? null : num(name, fallback);
  };
  const only = (flags.get('only') ?? env.BENCH_ONLY ?? SCENARIOS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of only) if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`--only: unknown scenario ${name}; known: ${SCENARIOS.join(', ')}`);
  const known = ['quick', 'only', 'build', 'no-build', 'no-bare', 'cpu-prof', 'step-seconds', 'warmup-seconds', 'drain-seconds', 'saturation-seconds', 'factor', 'start-share', 'max-steps', 'no-refine', 'events-per-second', 'server-cpu', 'generator-cpu', 'no-pin-db', 'idle-sockets', 'idle-hold-seconds', 'storm-sockets', 'server-dist', 'history-messages', 'history-repeats', 'notify-rate', 'notify-seconds', 'notify-drain-seconds', 'keep-db', 'quiet-wait', 'quiet-threshold', 'heap-diff', 'out'];
  for (const name of flags.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}; known: ${known.map((k) => `--${k}`).join(' ')}`);
  return {
    only,
    quick,
    build: flags.has('no-build') ? 'never' : flags.has('build') ? 'always' : 'auto',
    serverDist: flags.get('server-dist'),
    bare: !flags.has('no-bare'),
    cpuProf: flags.has('cpu-prof'),
    stepSeconds: num('step-seconds', quick ? 3 : 10),
    warmupSeconds: num('warmup-seconds', quick ? 2 : 3),
    drainSeconds: num('drain-seconds', quick ? 3 : 5),
    saturationSeconds: num('saturation-seconds', quick ? 3 : 5),
    factor: num('factor', 1.25),
    startShare: num('start-share', 0.5),
    maxSteps: num('max-steps', quick ? 4 : 8),
    refine: !flags.has('no-refine'),
    eventsPerSecond: num('events-per-second', 1000),
    serverCpu: cpu('server-cpu', 0),
    generatorCpu: cpu('generator-cpu', 1),
    pinDatabase: !flags.has('no-pin-db'),
    idleSockets: num('idle-sockets', quick ? 2000 : 10_000),
    stormSockets: num('storm-sockets', quick ? 1000 : 5000),
    idleHoldSeconds: num('idle-hold-seconds', quick ? 3 : 10),
    heapDiff: flags.has('heap-diff'),
    notifyRate: num('notify-rate', 0),
    notifySeconds: num('notify-seconds', quick ? 5 : 10),
    notifyDrainSeconds: num('notify-drain-seconds', quick ? 120 : 300),
    historyMessages: num('history-messages', 1_000_000),
    historyRepeats: num('history-repeats', quick ? 40 : 200),
    keepDatabase: flags.has('keep-db'),
    quietWaitSeconds: num('quiet-wait', quick ? 20 : 60),
    quietThreshold: num('quiet-threshold', 0.3),
    out: resolve(ROOT, flags.get('out') ?? 'bench/results/latest.json'),
  };
}

/** Newest modification time under `dir` for files matching `test`. */
function newest(dir: string, test: (name: string) => boolean): number {
  let latest = 0;
  if (!existsSync(dir)) return latest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path, test));
    else if (test(entry.name)) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * `npm run build` when dist/src/main.js is missing or older than a source file (or always with --build), then a
 * private copy of dist/ for this run, so another build emptying dist/ meanwhile does not pull the server away.
 */
function prepareServer(options: Options, runId: string): { main: string; built: string; snapshot: string } {
  const snapshot = join(ROOT, 'bench/.cache', `server-${runId}`);
  // --server-dist=<dir>: another build (an older commit's dist/, to compare), copied like dist/ and never rebuilt.
  if (options.serverDist) {
    cpSync(resolve(ROOT, options.serverDist), snapshot, { recursive: true });
    if (!existsSync(join(snapshot, 'src/main.js'))) throw new Error(`${options.serverDist} has no src/main.js`);
    return { main: join(snapshot, 'src/main.js'), built: `the build in ${options.serverDist} (--server-dist)`, snapshot };
  }
  const main = join(ROOT, 'dist/src/main.js');
  const sources = Math.max(
    newest(join(ROOT, 'src'), (n) => n.endsWith('.ts') && !n.endsWith('.spec.ts')),
    newest(join(ROOT, 'libs'), (n) => n.endsWith('.ts') && !n.endsWith('.spec.ts')),
    ...['tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'].map((f) => (existsSync(join(ROOT, f)) ? statSync(join(ROOT, f)).mtimeMs : 0)),
  );
  const stale = !existsSync(main) || statSync(main).mtimeMs < sources;
  let built = 'used the existing dist/ (--no-build)';
  if (options.build === 'always' || (options.build === 'auto' && stale)) {
    log(`building the server (npm run build): ${options.build === 'always' ? '--build' : existsSync(main) ? 'dist/ is older than the sources' : 'dist/ is missing'}`);
    const started = Date.now();
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
    built = `rebuilt (npm run build, ${round((Date.now() - started) / 1000, 1)} s)`;
  } else if (options.build === 'auto') {
    built = 'dist/ was up to date';
  } else if (!existsSync(main)) {
    throw new Error('dist/src/main.js is missing: run without --no-build');
  }
  cpSync(join(ROOT, 'dist'), snapshot, { recursive: true });
  const snapMain = join(snapshot, 'src/main.js');
  if (!existsSync(snapMain)) throw new Error('the dist/ snapshot has no src/main.js (a build in progress?): run again');
  return { main: snapMain, built, snapshot };
}

function gitInfo(): { commit: string | null; dirty: boolean | null } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'libs'], { cwd: ROOT }).toString().trim().length > 0;
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const runId = randomBytes(4).toString('hex');
  const startedAt = new Date();
  const server = prepareServer(options, runId);
  const pinnedSelf = pin(process.pid, options.generatorCpu);
  if (!HAS_TASKSET) log('WARNING: taskset is not installed: the server and the generator share the cores; generator CPU is still reported');
  const databaseName = await createBenchDatabase();
  const profileDir = join(ROOT, 'bench/results/profiles', runId);
  if (options.cpuProf || options.heapDiff) mkdirSync(profileDir, { recursive: true });
  const admin = new Client({ connectionString: databaseUrl(databaseName) });
  await admin.connect();
  const backends = new DatabaseBackends(databaseName, options.pinDatabase ? options.serverCpu : null);
  const ctx = new BenchContext(options, randomBytes(24).toString('hex'), databaseName, databaseUrl(databaseName), admin, backends, server.main, BENCH_JS, profileDir);
  log(`run ${runId}: database ${databaseName}; server ${server.built}; scenarios ${options.only.join(', ')}${options.quick ? ' (quick)' : ''}`);
  log(`pinning: servers on CPU ${options.serverCpu ?? 'any'}, generator on CPU ${options.generatorCpu ?? 'any'}${pinnedSelf ? '' : ' (not pinned)'}, PostgreSQL backends of the bench database ${options.pinDatabase ? `on CPU ${options.serverCpu}` : 'not pinned'}`);

  let interrupted = false;
  const cleanup = async () => {
    await ctx.stopAll();
    await admin.end().catch(() => undefined);
    if (!options.keepDatabase) await dropBenchDatabase(databaseName).catch((error: unknown) => log(`could not drop ${databaseName}: ${String(error)}`));
    rmSync(server.snapshot, { recursive: true, force: true });
    ctx.removeTempDirs();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (interrupted) return;
      interrupted = true;
      log(`${signal}: stopping the servers and dropping ${databaseName}`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  const scenarios: Record<string, unknown> = {};
  const timings: Record<string, number> = {};
  const run = async (name: string, work: () => Promise<Record<string, unknown>>) => {
    if (!options.only.includes(name)) return;
    const started = Date.now();
    try {
      scenarios[name] = await work();
    } catch (error) {
      scenarios[name] = { error: error instanceof Error ? error.message : String(error) };
      log(`${name}: ERROR ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    timings[name] = round((Date.now() - started) / 1000, 1);
  };
  try {
    await run('fanout', () => realtimeScenario(ctx, { name: 'fanout', rooms: 50, membersPerRoom: 20, nodes: 1, saturationWindow: 200, withBare: options.bare }));
    await run('twonode', () => realtimeScenario(ctx, { name: 'twonode', rooms: 50, membersPerRoom: 20, nodes: 2, saturationWindow: 200, withBare: false }));
    await run('hotroom', () => realtimeScenario(ctx, { name: 'hotroom', rooms: 1, membersPerRoom: 50, nodes: 1, saturationWindow: 100, withBare: options.bare }));
    await run('idle', () => idleScenario(ctx));
    await run('history', () => historyScenario(ctx));
    await run('storm', () => stormScenario(ctx));
    await run('notify', () => notifyScenario(ctx));
  } finally {
    await cleanup();
  }

  const pg = await pgVersion();
  const report = {
    bench: 'parley',
    issue: 7,
    runId,
    startedAt: startedAt.toISOString(),
    seconds: round((Date.now() - startedAt.getTime()) / 1000, 1),
    machine: {
      host: hostname(),
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: round(totalmem() / 2 ** 30, 1),
      node: process.version,
      postgres: pg,
      kernel: readFileSafe('/proc/sys/kernel/osrelease'),
    },
    git: gitInfo(),
    server: { build: server.built, from: 'a copy of dist/ (dist/src/main.js)', env: { LOG_LEVEL: 'warn', SOCKET_EVENTS_PER_SECOND: options.eventsPerSecond, HOST: '127.0.0.1', ...BENCH_RATE_LIMITS } },
    pinning: {
      taskset: HAS_TASKSET,
      serverCpu: options.serverCpu,
      generatorCpu: options.generatorCpu,
      postgresBackends: options.pinDatabase && HAS_TASKSET ? options.serverCpu : null,
      note: 'Servers (and redis, and the PostgreSQL backends of the bench database) share the server core; the generator runs alone on the other core.',
    },
    options: { ...options, out: undefined },
    profiled: options.cpuProf,
    scenarioSeconds: timings,
    quietWaits: ctx.quietWaits,
    scenarios,
    targets: targets(scenarios),
    profiles: ctx.profiles.map((p) => ({ scenario: p.scenario, ...p.summary })),
    warnings: warnings(scenarios, options),
  };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(`\n${table(report)}\n\nJSON written to ${options.out}\n`);
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

async function pgVersion(): Promise<string | null> {
  try {
    return await withClient(ADMIN_URL, async (client) => (await client.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version);
  } catch {
    return null;
  }
}

function readFileSafe(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

type AnyRecord = Record<string, any>;

function targets(scenarios: Record<string, unknown>): AnyRecord {
  const s = scenarios as AnyRecord;
  const out: AnyRecord = {};
  const fan = s.fanout?.ratioToBare?.maxSustainedDeliveriesPerSecond;
  if (s.fanout) out.fanoutVsBare = { target: '>= 0.6x bare max sustained deliveries/s', actual: fan ?? null, pass: fan != null ? fan >= 0.6 : null, caveat: s.fanout?.ratioToBare?.bareLimitedByGenerator ? 'bare figure limited by the generator: the ratio is an upper bound' : undefined };
  const hot = s.hotroom?.parley?.ramp;
  if (s.hotroom) out.hotRoom = { target: '>= 2000 persisted messages/s in one room (p99 <= 100 ms, no loss)', actual: hot?.maxSustained?.messagesPerSecond ?? null, saturated: hot?.saturated?.messagesPerSecond ?? null, pass: hot ? (hot.maxSustained?.messagesPerSecond ?? 0) >= 2000 : null };
  const idle = s.idle?.parley?.rssPerSocketKiB;
  if (s.idle) out.idleRss = { target: '<= 20 KiB RSS per idle authenticated socket', actualKiB: idle ?? null, pass: idle != null ? idle <= 20 : null };
  const storm = s.storm?.parley;
  if (s.storm) out.reconnectStorm = { target: 'every socket back and synced; sends answered meanwhile; /health/live 200 throughout', reconnectedSeconds: storm?.reconnectedSeconds ?? null, syncedSeconds: storm?.syncedSeconds ?? null, sendP99Ms: storm?.sends?.ackMs?.p99 ?? null, pass: storm && !storm.error ? storm.synced === storm.sockets && storm.sends.failed === 0 && storm.health['/health/live'].non200 === 0 : null };
  if (s.notify) {
    const c = s.notify.comparison as AnyRecord | undefined;
    const phase = (s.notify.with?.phases as AnyRecord[] | undefined)?.slice(-1)[0];
    out.notifySendRate = { target: 'max sustained send rate with notifications >= 0.9x without', without: c?.maxSustainedWithout ?? null, with: c?.maxSustainedWith ?? null, ratio: c?.maxSustainedRatio ?? null, pass: c?.withinTenPercent ?? null };
    out.notifyBacklogDrains = { target: 'every push and webhook of the latency phase arrives, the outbox and deliveries empty, after the load stops', drainSeconds: phase?.drainSeconds ?? null, pushP50Ms: phase?.pushMs?.p50 ?? null, pushP99Ms: phase?.pushMs?.p99 ?? null, pass: phase ? phase.complete === true : null };
  }
  if (s.history?.metrics) {
    const m = s.history.metrics as AnyRecord;
    out.history = {
      target: '<= 1.3x the time at 1,000 messages (p50)',
      ratios: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, (v as AnyRecord).ratioP50])),
      pass: Object.values(m).every((v) => (v as AnyRecord).pass),
    };
  }
  return out;
}

function warnings(scenarios: Record<string, unknown>, options: Options): string[] {
  const list: string[] = [];
  for (const [name, value] of Object.entries(scenarios as AnyRecord)) {
    if (value?.error) list.push(`${name}: ${value.error}`);
    if (value?.parley?.rssNote) list.push(`${name}: RSS ${value.parley.rssNote}`);
    for (const kind of ['parley', 'bare', 'without', 'with']) {
      const target = value?.[kind];
      if (target?.error) list.push(`${name}/${kind}: ${target.error}`);
      const ramp = target?.ramp as RampResult | undefined;
      if (ramp?.generatorSaturated) list.push(`${name}/${kind}: the load generator was over 90% of its core in some steps: those figures measure the generator, not the server`);
      if (ramp) {
        const kept = ramp.steps.filter((s) => !s.discarded);
        const other = Math.max(...kept.map((s) => s.cpu.other), 0);
        const interfered = ramp.steps.filter((s) => s.discarded?.startsWith('repeated')).length;
        const confirmed = ramp.steps.filter((s) => s.discarded?.startsWith('run again')).length;
        if (other > 0.25) list.push(`${name}/${kind}: up to ${Math.round(other * 100)}% of a core was used by processes outside the bench (other users of the machine?) during kept steps: figures may be low`);
        if (interfered > 0) list.push(`${name}/${kind}: ${interfered} failed step(s) repeated because other processes took CPU meanwhile`);
        if (confirmed > 0) list.push(`${name}/${kind}: ${confirmed} failed step(s) run again to confirm the failure (${ramp.steps.filter((s, i) => s.discarded?.startsWith('run again') && ramp.steps[i + 1]?.pass).length} passed the second time)`);
      }
    }
  }
  if (!HAS_TASKSET) list.push('taskset missing: nothing was pinned');
  if (options.cpuProf) list.push('--cpu-prof: the Parley servers ran under the V8 profiler (a few % slower); use these figures for the profile, not as results');
  return list;
}

const fmt = (value: unknown, digits = 0) => (value === null || value === undefined ? '-' : typeof value === 'number' ? value.toFixed(digits) : String(value));

function table(report: AnyRecord): string {
  const lines: string[] = [];
  const s = report.scenarios as AnyRecord;
  lines.push(`Parley bench ${report.startedAt}  ${report.machine.cpu} x${report.machine.cores}  node ${report.machine.node}  postgres ${report.machine.postgres}  git ${report.git.commit}${report.git.dirty ? '+dirty' : ''}`);
  lines.push(`server ${report.server.build}; servers on CPU ${report.pinning.serverCpu}, generator on CPU ${report.pinning.generatorCpu}; SOCKET_EVENTS_PER_SECOND=${report.server.env.SOCKET_EVENTS_PER_SECOND}; delivery p99 limit ${P99_LIMIT_MS} ms`);
  lines.push('');
  const head = ['scenario', 'server', 'max sustained msg/s', 'deliveries/s', 'deliv p50/p99 ms', 'ack p99 ms', 'saturated msg/s', 'gen CPU', 'limited by'];
  const rows: string[][] = [];
  for (const name of ['fanout', 'twonode', 'hotroom']) {
    for (const kind of ['parley', 'bare']) {
      const target = s[name]?.[kind];
      if (!target) continue;
      const ramp = target.ramp as RampResult | undefined;
      if (!ramp) {
        rows.push([name, kind, 'ERROR', target.error ?? '', '', '', '', '', '']);
        continue;
      }
      const best = ramp.steps.find((step) => step.pass && step.targetRate === ramp.maxSustained?.messagesPerSecond);
      const maxGen = Math.max(...ramp.steps.map((step) => step.cpu.generator), ramp.saturation.cpu.generator);
      rows.push([
        name,
        `${kind}${target.nodes === 2 ? ' x2' : ''}`,
        fmt(ramp.maxSustained?.messagesPerSecond),
        fmt(ramp.maxSustained?.deliveriesPerSecond),
        best ? `${fmt(best.deliveryMs.p50, 1)}/${fmt(best.deliveryMs.p99, 1)}` : '-',
        best ? fmt(best.ackMs.p99, 1) : '-',
        fmt(ramp.saturated.messagesPerSecond),
        `${Math.round(maxGen * 100)}%${maxGen >= 0.9 ? ' SATURATED' : ''}`,
        ramp.limitedBy.replace(/ \(.*$/, ''),
      ]);
    }
    const r = s[name]?.ratioToBare;
    if (r) rows.push([name, 'ratio to bare', fmt(r.maxSustainedDeliveriesPerSecond, 2), '', '', '', fmt(r.saturatedMessagesPerSecond, 2), r.bareLimitedByGenerator ? 'bare gen-limited' : '', '']);
  }
  for (const kind of ['without', 'with']) {
    const target = s.notify?.[kind];
    if (!target) continue;
    const ramp = target.ramp as RampResult | undefined;
    const server = kind === 'with' ? 'parley + notifications' : 'parley, no notifications';
    if (!ramp) {
      rows.push(['notify', server, 'ERROR', target.error ?? '', '', '', '', '', '']);
      continue;
    }
    const best = ramp.steps.find((step) => step.pass && step.targetRate === ramp.maxSustained?.messagesPerSecond);
    const maxGen = Math.max(...ramp.steps.map((step) => step.cpu.generator), ramp.saturation.cpu.generator);
    rows.push(['notify', server, fmt(ramp.maxSustained?.messagesPerSecond), fmt(ramp.maxSustained?.deliveriesPerSecond), best ? `${fmt(best.deliveryMs.p50, 1)}/${fmt(best.deliveryMs.p99, 1)}` : '-', best ? fmt(best.ackMs.p99, 1) : '-', fmt(ramp.saturated.messagesPerSecond), `${Math.round(maxGen * 100)}%${maxGen >= 0.9 ? ' SATURATED' : ''}`, ramp.limitedBy.replace(/ \(.*$/, '')]);
  }
  if (s.notify?.comparison) rows.push(['notify', 'with / without', fmt(s.notify.comparison.maxSustainedRatio, 2), '', '', '', fmt(s.notify.comparison.saturatedRatio, 2), '', '']);
  if (rows.length) lines.push(...grid(head, rows), '');
  const phases = (s.notify?.with?.phases ?? []) as AnyRecord[];
  if (phases.length) {
    const after = s.notify.with.afterRamp as AnyRecord | undefined;
    lines.push(
      ...grid(
        ['notifications', 'rate msg/s', 'pushes got/expected', 'ack->push p50/p99 ms', 'webhook notification p50/p99 ms', 'message.created p50/p99 ms', 'pushes/s (needed)', 'drain s', 'peak backlog outbox/deliveries'],
        phases.map((phase) => [
          `${phase.seconds} s fixed rate`,
          fmt(phase.rate),
          `${fmt(phase.pushes)}/${fmt(phase.expectedPushes)}`,
          `${fmt(phase.pushMs.p50, 1)}/${fmt(phase.pushMs.p99, 1)}`,
          `${fmt(phase.webhookMs.notification.p50, 1)}/${fmt(phase.webhookMs.notification.p99, 1)}`,
          `${fmt(phase.webhookMs['message.created'].p50, 1)}/${fmt(phase.webhookMs['message.created'].p99, 1)}`,
          `${fmt(phase.pushesPerSecond)} (${fmt(phase.neededPushesPerSecond)})`,
          phase.complete ? fmt(phase.drainSeconds, 1) : 'NOT DRAINED',
          `${fmt(phase.peakBacklog.outbox)}/${fmt(phase.peakBacklog.deliveries)}`,
        ]),
      ),
    );
    if (after) lines.push(`after the ramp: ${fmt(after.outbox)} outbox + ${fmt(after.deliveries)} deliveries queued; ${after.drainedSeconds !== null ? `drained in ${fmt(after.drainedSeconds, 1)} s` : `not drained in ${fmt(after.waitedSeconds)} s (${fmt(after.discarded)} rows deleted)`}; ${fmt(after.sentPerSecondWhileDraining)} pushes+webhooks/s meanwhile`);
    lines.push('');
  }
  if (s.idle && !s.idle.error) {
    const idleRows: string[][] = [];
    for (const kind of ['parley', 'bare']) {
      const r = s.idle[kind];
      if (!r) continue;
      idleRows.push([kind, fmt(r.connected), fmt(r.failed), fmt(r.connectsPerSecond), `${fmt(r.handshakeMs?.p50, 1)}/${fmt(r.handshakeMs?.p99, 1)}`, fmt(r.rssBeforeKiB / 1024, 1), fmt(r.rssAfterKiB / 1024, 1), fmt(r.rssPerSocketKiB, 2), fmt(r.heapUsedPerSocketKiB, 2), `${Math.round((r.idleServerCpu ?? 0) * 100)}%`, r.error ?? '']);
    }
    if (s.idle.ratioToBare) idleRows.push(['ratio to bare', '', '', '', '', '', '', fmt(s.idle.ratioToBare.rssPerSocket, 2), '', '', '']);
    lines.push(...grid(['idle sockets', 'connected', 'failed', 'connects/s', 'handshake p50/p99 ms', 'RSS before MiB', 'RSS after MiB', 'RSS KiB/socket', 'heap KiB/socket', 'idle CPU', ''], idleRows), '');
  }
  if (s.history?.metrics) {
    const m = s.history.metrics as AnyRecord;
    const hRows = Object.entries(m).map(([metric, v]) => [metric, `${fmt(v.at1k.p50, 2)}/${fmt(v.at1k.p95, 2)}`, `${fmt(v.atBig.p50, 2)}/${fmt(v.atBig.p95, 2)}`, fmt(v.ratioP50, 2), fmt(v.ratioP95, 2), v.pass ? 'ok' : 'OVER 1.3x']);
    lines.push(...grid(['history (ms)', '1k p50/p95', `${s.history.setup.messages.big} p50/p95`, 'ratio p50', 'ratio p95', 'target'], hRows), '');
  }
  if (s.storm?.parley && !s.storm.parley.error) {
    const r = s.storm.parley as AnyRecord;
    const health = Object.entries(r.health as AnyRecord).map(([path, h]) => `${path} ${(h as AnyRecord).non200}/${(h as AnyRecord).probes}`).join(', ');
    lines.push(
      ...grid(
        ['reconnect storm', 'sockets', 'back in s', 'synced in s', 'refused 503', 'sends p50/p99/max ms', 'before p99 ms', 'non-200 health', 'server CPU'],
        [['parley', fmt(r.sockets), fmt(r.reconnectedSeconds, 2), fmt(r.syncedSeconds, 2), fmt(r.refusedHandshakes), `${fmt(r.sends.ackMs.p50, 1)}/${fmt(r.sends.ackMs.p99, 1)}/${fmt(r.sends.ackMs.max, 1)}`, fmt(r.sendsBefore.ackMs.p99, 1), health, `${Math.round((r.serverCpu ?? 0) * 100)}%`]],
      ),
      '',
    );
  }
  for (const [name, value] of Object.entries(s)) if ((value as AnyRecord)?.error) lines.push(`${name}: ERROR ${(value as AnyRecord).error}`);
  const t = report.targets as AnyRecord;
  lines.push('targets:');
  for (const [name, value] of Object.entries(t)) lines.push(`  ${name}: ${JSON.stringify(value)}`);
  if (report.warnings.length) {
    lines.push('warnings:');
    for (const warning of report.warnings) lines.push(`  - ${warning}`);
  }
  return lines.join('\n');
}

function grid(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (cell ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
