import { cpuMs, cpuTimes, type LoopStats } from './procs';
import { round } from './stats';

/** The processes whose CPU a step reports, by role. */
export interface WatchedProcesses {
  /** Server node processes (Parley or bare), each by name; `loopStats` from the bench preload. */
  servers: Array<{ name: string; pid: number; loopStats?: () => Promise<LoopStats | null> }>;
  /** PostgreSQL backends of the bench database (refreshed before each step). */
  postgres: () => number[];
  /** Private redis-server, when there is one. */
  redis?: number;
  /** Other processes of the bench (the notify scenario's fake providers), by name. */
  extra?: Record<string, number>;
  /** Transaction counters of the bench database (pg_stat_database), to count database work per message. */
  database?: () => Promise<DatabaseCounters>;
}

export interface DatabaseCounters {
  /** Checkpoints of the whole PostgreSQL cluster (any database: other users' too). */
  checkpoints: number;
  transactions: number;
  tuplesInserted: number;
  tuplesUpdated: number;
  tuplesReturned: number;
}

export interface CpuReport {
  /** Share of one core used over the window (1 = 100 % of a core). */
  generator: number;
  servers: Record<string, number>;
  postgres: number;
  redis?: number;
  /** The `extra` processes, by name. */
  extra?: Record<string, number>;
  /** Busy share of each core (from /proc/stat), index = CPU number. */
  cores: number[];
  /** Busy core time not accounted to the bench's own processes (other users of the machine, kernel softirq). */
  other: number;
}

/** CPU usage over a window: start() then stop(). */
export class CpuMeter {
  private wall = 0;
  private generator = process.cpuUsage();
  private servers = new Map<string, number>();
  private postgres = new Map<number, number>();
  private redis = 0;
  private extra = new Map<string, number>();
  private cores: Array<{ busy: number; total: number }> = [];

  constructor(private readonly watched: WatchedProcesses) {}

  start(): void {
    this.wall = performance.now();
    this.generator = process.cpuUsage();
    this.servers = new Map(this.watched.servers.map((server) => [server.name, cpuMs(server.pid) ?? 0]));
    this.postgres = new Map(this.watched.postgres().map((pid) => [pid, cpuMs(pid) ?? 0]));
    this.redis = this.watched.redis ? (cpuMs(this.watched.redis) ?? 0) : 0;
    this.extra = new Map(Object.entries(this.watched.extra ?? {}).map(([name, pid]) => [name, cpuMs(pid) ?? 0]));
    this.cores = cpuTimes();
  }

  stop(): CpuReport {
    const wallMs = Math.max(1, performance.now() - this.wall);
    const usage = process.cpuUsage(this.generator);
    const generator = (usage.user + usage.system) / 1000 / wallMs;
    const servers: Record<string, number> = {};
    let accounted = generator;
    for (const server of this.watched.servers) {
      const used = ((cpuMs(server.pid) ?? 0) - (this.servers.get(server.name) ?? 0)) / wallMs;
      servers[server.name] = round(used, 3);
      accounted += used;
    }
    let postgres = 0;
    for (const [pid, before] of this.postgres) postgres += ((cpuMs(pid) ?? before) - before) / wallMs;
    accounted += postgres;
    let redis: number | undefined;
    if (this.watched.redis) {
      redis = ((cpuMs(this.watched.redis) ?? 0) - this.redis) / wallMs;
      accounted += redis;
    }
    let extra: Record<string, number> | undefined;
    if (this.watched.extra) {
      extra = {};
      for (const [name, pid] of Object.entries(this.watched.extra)) {
        const used = ((cpuMs(pid) ?? 0) - (this.extra.get(name) ?? 0)) / wallMs;
        extra[name] = round(used, 3);
        accounted += used;
      }
    }
    const now = cpuTimes();
    const cores = now.map((core, i) => {
      const before = this.cores[i] ?? { busy: 0, total: 0 };
      return (core.busy - before.busy) / Math.max(1, core.total - before.total);
    });
    // Jiffies of all cores over the window, as shares of one core.
    const busyCores = cores.reduce((a, b) => a + b, 0);
    return {
      generator: round(generator, 3),
      servers,
      postgres: round(postgres, 3),
      ...(redis === undefined ? {} : { redis: round(redis, 3) }),
      ...(extra === undefined ? {} : { extra }),
      cores: cores.map((c) => round(c, 3)),
      other: round(Math.max(0, busyCores - accounted), 3),
    };
  }
}
