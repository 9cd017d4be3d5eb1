import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { DatabaseBackends } from './db';
import { cpuMs, cpuTimes, freePort, log, ServerProcess, startRedis } from './procs';
import { round, sleep } from './stats';
import { formatProfile, summarizeProfile, type ProfileSummary } from './profile';

export interface Options {
  only: string[];
  quick: boolean;
  build: 'auto' | 'always' | 'never';
  /** `--server-dist=<dir>`: run this build (a dist/ folder) instead of the repository's dist/. */
  serverDist?: string;
  bare: boolean;
  cpuProf: boolean;
  stepSeconds: number;
  warmupSeconds: number;
  drainSeconds: number;
  saturationSeconds: number;
  factor: number;
  startShare: number;
  maxSteps: number;
  refine: boolean;
  eventsPerSecond: number;
  serverCpu: number | null;
  generatorCpu: number | null;
  pinDatabase: boolean;
  idleSockets: number;
  idleHoldSeconds: number;
  /** Sockets of the reconnect storm (`storm`). */
  stormSockets: number;
  /** Heap snapshots before and after the idle sockets, diffed by object kind (use with fewer sockets). */
  heapDiff: boolean;
  /** notify: the fixed rate of the latency phase (0: the with-notifications run's max sustained rate). */
  notifyRate: number;
  /** notify: length of the latency phase, seconds. */
  notifySeconds: number;
  /** notify: longest wait for the notification backlog to drain, seconds. */
  notifyDrainSeconds: number;
  historyMessages: number;
  historyRepeats: number;
  keepDatabase: boolean;
  /** Longest wait for the machine to be quiet before a measurement (0: do not wait). */
  quietWaitSeconds: number;
  /** Busy cores (outside the bench) under which the machine counts as quiet. */
  quietThreshold: number;
  out: string;
}

/**
 * The chat's per-user limits for every Parley server the bench starts (see the README's Security section): the
 * limiter runs on every send, room creation and handshake, but nothing the bench does comes near these.
 */
export const BENCH_RATE_LIMITS: Record<string, string> = {
  RATE_LIMIT_MESSAGES: '100000:100000',
  RATE_LIMIT_ROOMS: '100000:100000',
  RATE_LIMIT_MEMBER_ADDS: '100000:100000',
  RATE_LIMIT_UPLOADS: '100000:100000',
  RATE_LIMIT_REACTIONS: '100000:100000',
  MAX_SOCKETS_PER_USER: '100000',
};

/** What every scenario shares: the bench database, the server build, the secret, process bookkeeping. */
export class BenchContext {
  readonly running = new Set<ServerProcess>();
  readonly tempDirs: string[] = [];
  /** Each wait for a quiet machine: what was measured, how long it took. */
  readonly quietWaits: Array<{ before: string; waitedSeconds: number; otherCores: number; quiet: boolean }> = [];
  readonly profiles: Array<{ scenario: string; summary: ProfileSummary; text: string }> = [];
  private tagCount = 0;

  constructor(
    readonly options: Options,
    readonly secret: string,
    readonly databaseName: string,
    readonly databaseUrl: string,
    readonly admin: Client,
    readonly backends: DatabaseBackends,
    /** The snapshot of dist/ the servers run from. */
    readonly serverMain: string,
    readonly benchJs: string,
    readonly profileDir: string,
  ) {}

  /** A short id unique in this run, for user ids and clientIds. */
  tag(prefix: string): string {
    return `${prefix}${++this.tagCount}`;
  }

  /**
   * Other users of the machine (builds, test runs) take CPU from the server or the generator. Before each
   * measurement, wait (bounded) until the CPU used outside the bench stays under the threshold for 3 s.
   */
  async waitQuiet(before: string, maxSeconds = this.options.quietWaitSeconds): Promise<void> {
    // Each wait is bounded, and so is their sum over the run (three times one wait).
    const left = this.options.quietWaitSeconds * 3 - this.quietWaits.reduce((sum, w) => sum + w.waitedSeconds, 0);
    const limit = Math.min(maxSeconds, this.options.quietWaitSeconds, left);
    if (limit <= 3) return;
    const started = Date.now();
    let calm = 0;
    let other = 0;
    let announced = false;
    while (Date.now() - started < limit * 1000) {
      const cores0 = cpuTimes();
      const own0 = this.ownCpuMs();
      const t0 = performance.now();
      await sleep(1000);
      const wallMs = performance.now() - t0;
      const cores1 = cpuTimes();
      const busy = cores1.reduce((sum, core, i) => sum + (core.busy - cores0[i].busy) / Math.max(1, core.total - cores0[i].total), 0);
      other = Math.max(0, busy - (this.ownCpuMs() - own0) / wallMs);
      calm = other < this.options.quietThreshold ? calm + 1 : 0;
      if (calm >= 3) break;
      if (!announced && Date.now() - started > 3000) {
        log(`  waiting for a quiet machine before ${before}: ${Math.round(other * 100)}% of a core busy outside the bench (up to ${limit} s)`);
        announced = true;
      }
    }
    const waitedSeconds = round((Date.now() - started) / 1000, 1);
    const quiet = calm >= 3;
    this.quietWaits.push({ before, waitedSeconds, otherCores: round(other, 2), quiet });
    if (!quiet) log(`  the machine stayed busy (${Math.round(other * 100)}% of a core outside the bench): measuring ${before} anyway`);
  }

  private ownCpuMs(): number {
    const usage = process.cpuUsage();
    let total = (usage.user + usage.system) / 1000;
    for (const server of this.running) total += cpuMs(server.pid) ?? 0;
    return total;
  }

  /** Transaction and row counters of the bench database. */
  async databaseCounters(): Promise<import('./meter').DatabaseCounters> {
    const { rows } = await this.admin.query<{ x: string; i: string; u: string; r: string; c: string }>(
      `SELECT xact_commit + xact_rollback AS x, tup_inserted AS i, tup_updated AS u, tup_returned AS r,
              (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter) AS c
       FROM pg_stat_database WHERE datname = $1`,
      [this.databaseName],
    );
    const row = rows[0];
    return { checkpoints: Number(row.c), transactions: Number(row.x), tuplesInserted: Number(row.i), tuplesUpdated: Number(row.u), tuplesReturned: Number(row.r) };
  }

  /** Re-reads (and pins) the database backends; call before measuring. */
  async refreshBackends(): Promise<void> {
    await this.backends.refresh(this.admin);
  }

  /** A Parley standalone server from the dist snapshot, on the server core, LOG_LEVEL=warn, migrated and healthy. */
  async startParley(name: string, env: Record<string, string> = {}, profile = false): Promise<ServerProcess> {
    const port = await freePort();
    const { NODE_OPTIONS: _ignored, ...inherited } = process.env;
    const profiling = profile ? ['--cpu-prof', `--cpu-prof-dir=${this.profileDir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
    const server = ServerProcess.spawn(name, process.execPath, [...profiling, ...this.preload(), this.serverMain], {
      cpu: this.options.serverCpu,
      port,
      ipc: true,
      env: {
        ...inherited,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: this.databaseUrl,
        JWT_SECRET: this.secret,
        LOG_LEVEL: 'warn',
        SOCKET_EVENTS_PER_SECOND: String(this.options.eventsPerSecond),
        AUTH_RATE_LIMIT: '100000',
        // The per-user limits stay on (and cost what they cost) but far above the bench's load: the hot room sends
        // ~40-80 messages/s per member, and one user creates every room.
        ...BENCH_RATE_LIMITS,
        DATA_DIR: this.tempDir(),
        ...env,
      },
    });
    this.running.add(server);
    await server.waitReady(60_000);
    await this.refreshBackends();
    return server;
  }

  /** The bare Socket.IO server (bench/bare-server.ts) on the server core. */
  async startBare(name: string, env: Record<string, string> = {}): Promise<ServerProcess> {
    const port = await freePort();
    const server = ServerProcess.spawn(name, process.execPath, [...this.preload(), join(this.benchJs, 'bare-server.js')], {
      cpu: this.options.serverCpu,
      port,
      ipc: true,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', JWT_SECRET: this.secret, ...env },
    });
    this.running.add(server);
    await server.waitReady(20_000);
    return server;
  }

  /** Node flags of every server: the bench preload (clean exit on SIGUSR2, GC + memoryUsage over IPC). */
  private preload(): string[] {
    return ['--expose-gc', '-r', join(this.benchJs, 'server-preload.js')];
  }

  async startRedis(): Promise<ServerProcess | null> {
    const redis = await startRedis(this.options.serverCpu);
    if (redis) this.running.add(redis);
    return redis;
  }

  /**
   * Stops a server. A profiled one gets SIGUSR2 (the preload exits cleanly so V8 writes the profile), and its
   * profile is summarised over `window` (µs of CLOCK_MONOTONIC).
   */
  async stop(server: ServerProcess, scenario?: string, window?: { fromUs: number; toUs: number }): Promise<void> {
    const profiled = server.child.spawnargs.includes('--cpu-prof');
    if (server.child.connected) server.child.disconnect();
    await server.stop(profiled ? 'SIGUSR2' : 'SIGTERM', profiled ? 60_000 : 10_000);
    this.running.delete(server);
    if (!profiled) return;
    const file = readdirSync(this.profileDir).find((entry) => entry === `${server.name}.cpuprofile`);
    if (!file) {
      log(`  no profile written for ${server.name}`);
      return;
    }
    const summary = summarizeProfile(join(this.profileDir, file), window, 20);
    const text = formatProfile(summary);
    writeFileSync(join(this.profileDir, `${server.name}.summary.txt`), `${text}\n`);
    this.profiles.push({ scenario: scenario ?? server.name, summary, text });
    log(`  profile of ${server.name}:\n${text}`);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map((server) => server.stop('SIGKILL', 5000).catch(() => undefined)));
    this.running.clear();
  }

  private tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
    this.tempDirs.push(dir);
    return dir;
  }

  removeTempDirs(): void {
    for (const dir of this.tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** The monotonic clock in µs (the CPU profile's clock). */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
