import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { sleep } from './stats';

export const log = (...parts: unknown[]) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${parts.join(' ')}\n`);

export const HAS_TASKSET = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Pins a running process (all its threads) to `cpu`; false when taskset is missing or refused. */
export function pin(pid: number, cpu: number | null): boolean {
  if (!HAS_TASKSET || cpu === null) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** CPU time (user + system) of a process, in ms, from /proc; null once it is gone. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Resident set size of a process in KiB, from /proc. */
export function rssKiB(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Busy and total jiffies per CPU from /proc/stat. */
export function cpuTimes(): Array<{ busy: number; total: number }> {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n').filter((line) => /^cpu\d+ /.test(line));
  return lines.map((line) => {
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = values[3] + (values[4] ?? 0);
    const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  });
}

export interface LoopStats {
  loopDelayMs: { p50: number; p99: number; max: number };
  gc: { count: number; totalMs: number; maxMs: number; over50ms: number };
}

/** One server process (the Parley standalone server, the bare server, or redis-server). */
export class ServerProcess {
  exited = false;
  readonly output: string[] = [];

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on('exit', () => (this.exited = true));
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static spawn(name: string, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cpu: number | null; port: number; ipc?: boolean }): ServerProcess {
    const pinned = HAS_TASKSET && options.cpu !== null;
    const child = spawn(pinned ? 'taskset' : command, pinned ? ['-c', String(options.cpu), command, ...args] : args, {
      env: options.env ?? process.env,
      stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(name, child, options.port);
    const keep = (chunk: Buffer) => {
      server.output.push(chunk.toString());
      if (server.output.length > 200) server.output.splice(0, 100);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return server;
  }

  /** Waits until GET /health answers 200 (or `ready` resolves true). */
  async waitReady(timeoutMs: number, ready?: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`${this.name} exited during start-up:\n${this.output.join('').slice(-3000)}`);
      try {
        if (ready ? await ready() : (await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) })).status === 200) return;
      } catch {
        // not yet
      }
      await sleep(150);
    }
    this.child.kill('SIGKILL');
    throw new Error(`${this.name} did not become ready within ${timeoutMs} ms:\n${this.output.join('').slice(-3000)}`);
  }

  rssKiB(): number | null {
    return rssKiB(this.pid);
  }

  private memoryRequests = 0;

  /** Event-loop delay and GC pauses since the previous call (bench preload); null without IPC. */
  loopStats(): Promise<LoopStats | null> {
    const child = this.child;
    if (!child.connected) return Promise.resolve(null);
    const id = ++this.memoryRequests;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), 5_000);
      const listener = (message: { type?: string; id?: number } & LoopStats) => {
        if (message?.type === 'loop-stats' && message.id === id) done({ loopDelayMs: message.loopDelayMs, gc: message.gc });
      };
      const done = (value: LoopStats | null) => {
        clearTimeout(timer);
        child.off('message', listener);
        resolve(value);
      };
      child.on('message', listener);
      child.send({ type: 'loop-stats', id });
    });
  }

  /** Writes a heap snapshot of the server to `path` (bench preload); false without IPC or after 120 s. */
  heapSnapshot(path: string): Promise<boolean> {
    const child = this.child;
    if (!child.connected) return Promise.resolve(false);
    const id = ++this.memoryRequests;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), 120_000);
      const listener = (message: { type?: string; id?: number }) => {
        if (message?.type === 'heap-snapshot' && message.id === id) done(true);
      };
      const done = (ok: boolean) => {
        clearTimeout(timer);
        child.off('message', listener);
        resolve(ok);
      };
      child.on('message', listener);
      child.send({ type: 'heap-snapshot', path, id });
    });
  }

  /**
   * process.memoryUsage() of the server (bytes), after a full GC when `gc` (needs the bench preload and
   * --expose-gc); null without an IPC channel or after 10 s.
   */
  memory(gc = true): Promise<NodeJS.MemoryUsage | null> {
    const child = this.child;
    if (!child.connected) return Promise.resolve(null);
    const id = ++this.memoryRequests;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), 10_000);
      const listener = (message: { type?: string; id?: number } & NodeJS.MemoryUsage) => {
        if (message?.type === 'memory' && message.id === id) done(message);
      };
      const done = (value: NodeJS.MemoryUsage | null) => {
        clearTimeout(timer);
        child.off('message', listener);
        resolve(value && { rss: value.rss, heapTotal: value.heapTotal, heapUsed: value.heapUsed, external: value.external, arrayBuffers: value.arrayBuffers });
      };
      child.on('message', listener);
      child.send({ type: 'memory', gc, id });
    });
  }

  cpuMs(): number | null {
    return cpuMs(this.pid);
  }

  /** Sends `signal`, then SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/** A private redis-server (for the two-node scenario) on a free port, so the adapter's channels see nobody else. */
export async function startRedis(cpu: number | null): Promise<ServerProcess | null> {
  if (!existsSync('/usr/bin/redis-server') && !existsSync('/usr/local/bin/redis-server')) return null;
  const port = await freePort();
  const redis = ServerProcess.spawn('redis', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { cpu, port });
  const { createConnection } = await import('node:net');
  await redis.waitReady(10_000, () =>
    new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.write('PING\r\n');
      });
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    }),
  );
  return redis;
}
