import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createClient } from 'redis';
import { DataSource } from 'typeorm';
import { databaseOptions } from '../../src/database/database-options';
import { SERVER_MAIN, freePort } from './processes';

export { freePort };
import { POSTGRES_ADMIN_URL, databaseUrl } from './services';
import { TEST_JWT_SECRET, tokenFor } from './test-app';

/**
 * The fault suite's harness (`npm run test:faults`, `test/faults/*.fault-spec.ts`): services and server processes
 * of the test's own, so a fault can be made for real (a stopped Redis, a stopped PostgreSQL, a killed process)
 * without touching the shared PostgreSQL on 5432 and Redis on 6379. Everything is started on a free port, stopped
 * by pid (processes) or by cluster name (PostgreSQL), and removed by `FaultServices.cleanup()`, which
 * `faultServices()` registers in `afterAll`, so a failing test leaves nothing behind. No fixed sleeps: `until`
 * waits for a condition with a deadline.
 */

/** The server the nodes run: the built `dist/src/main.js`, or `PARLEY_FAULT_SERVER_MAIN` (a copy of a build). */
const SERVER = process.env.PARLEY_FAULT_SERVER_MAIN ?? SERVER_MAIN;
const POSTGRES_VERSION = process.env.PARLEY_FAULT_POSTGRES_VERSION ?? '15';
const POSTGRES_BIN = `/usr/lib/postgresql/${POSTGRES_VERSION}/bin`;


/** Thrown inside an `until` check: stop waiting at once (the process being waited for has exited). */
export class GiveUp extends Error {}

/**
 * Resolves once `check` passes (returns without throwing, or returns a value other than `false`), retrying every
 * `intervalMs` until `timeoutMs`; then rejects with `what` and the last failure.
 */
export async function until<T>(what: string, check: () => Promise<T | false> | T | false, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false) return value as T;
      last = 'the condition was false';
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}: ${last instanceof Error ? last.message : String(last)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits for a child process to end (resolves at once if it has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Redis

/** A redis-server of the test's own on a free port, without persistence; restarts keep the port. */
export class FaultRedis {
  private child?: ChildProcess;
  private paused = false;

  private constructor(readonly port: number) {}

  static async start(port?: number): Promise<FaultRedis> {
    const redis = new FaultRedis(port ?? (await freePort()));
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts redis-server (again, on the same port) and resolves once it answers PING. */
  async start(): Promise<void> {
    if (this.running) return;
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    this.child = child;
    track(child);
    await until(`Redis on port ${this.port}`, async () => {
      if (child.exitCode !== null) throw new GiveUp(`redis-server exited with ${child.exitCode} (port ${this.port} taken?)`);
      const client = this.client();
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } finally {
        client.destroy();
      }
    }, 10_000, 50);
  }

  /** Stops the server: SIGTERM (a clean stop) or SIGKILL (a crash); resolves once the process is gone. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const gone = exited(child);
    child.kill(signal);
    if (this.paused) this.resume();
    await gone;
  }

  kill(): Promise<void> {
    return this.stop('SIGKILL');
  }

  /**
   * Freezes the server (SIGSTOP): connections stay open and nothing answers, like a Redis cut off by the network or
   * stuck; it keeps its data. `resume()` (SIGCONT) lets it go on.
   */
  pause(): void {
    if (this.child?.pid && this.running) process.kill(this.child.pid, 'SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (this.child?.pid && this.running) process.kill(this.child.pid, 'SIGCONT');
    this.paused = false;
  }

  /** Runs one command on a short-lived connection (FLUSHALL, KEYS, ...). */
  async command<T = unknown>(...args: string[]): Promise<T> {
    const client = this.client();
    try {
      await client.connect();
      return (await client.sendCommand(args)) as T;
    } finally {
      client.destroy();
    }
  }

  private client() {
    const client = createClient({ url: this.url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
    client.on('error', () => undefined);
    return client;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The network

/**
 * A TCP proxy between the nodes and a service (Redis, PostgreSQL) whose link can be cut for real: `cut()` closes
 * every connection through it and refuses new ones (a network partition: the service keeps running and keeps its
 * data, the nodes cannot reach it), `restore()` lets connections through again.
 */
export class FaultProxy {
  private readonly sockets = new Set<Socket>();
  private isCut = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host?: string; port: number }): Promise<FaultProxy> {
    let proxy: FaultProxy | undefined;
    const server = createServer((client) => proxy?.accept(client, target));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy = new FaultProxy(server, (server.address() as { port: number }).port);
    proxies.add(proxy);
    return proxy;
  }

  /** The URL of the proxied service for `scheme` (`redis`, `postgres://postgres@...`). */
  url(scheme = 'redis', path = ''): string {
    return `${scheme}://127.0.0.1:${this.port}${path}`;
  }

  cut(): void {
    this.isCut = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.isCut = false;
  }

  async close(): Promise<void> {
    this.cut();
    proxies.delete(this);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, target: { host?: string; port: number }): void {
    if (this.isCut) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host ?? '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
      from.pipe(to);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

/**
 * A PostgreSQL cluster of the test's own on a free port, trust authentication, fsync off (the machine does not
 * crash, only the server is stopped or killed) but synchronous commits, so a commit acknowledged before an
 * immediate stop or a kill is still there after the restart. As root it is a Debian
 * cluster (`pg_createcluster`, `pg_ctlcluster`, `pg_dropcluster`, by name); otherwise `initdb`/`pg_ctl` in a
 * temporary folder. Stop it for real with `stop()` (fast shutdown) or `kill()` (SIGKILL of the postmaster, a
 * crash), start it again on the same port with `start()`.
 */
export class FaultPostgres {
  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly dataDir: string,
    private readonly debian: boolean,
  ) {}

  static async create(): Promise<FaultPostgres> {
    const port = await freePort();
    const name = `parley_fault_${process.pid}_${randomBytes(3).toString('hex')}`;
    const debian = process.getuid?.() === 0 && existsSync('/usr/bin/pg_createcluster');
    let cluster: FaultPostgres;
    if (debian) {
      cluster = new FaultPostgres(name, port, `/var/lib/postgresql/${POSTGRES_VERSION}/${name}`, true);
      clusters.add(cluster);
      run('pg_createcluster', [POSTGRES_VERSION, name, '-p', String(port), '-o', 'fsync=off', '-o', 'full_page_writes=off', '-o', 'listen_addresses=localhost', '--', '--auth=trust']);
    } else {
      const dataDir = mkdtempSync(join(tmpdir(), 'parley-fault-pg-'));
      cluster = new FaultPostgres(name, port, dataDir, false);
      clusters.add(cluster);
      run(`${POSTGRES_BIN}/initdb`, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync']);
    }
    await cluster.start();
    return cluster;
  }

  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** The postmaster's pid while it runs. */
  get pid(): number | undefined {
    const file = join(this.dataDir, 'postmaster.pid');
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return pid > 0 && isAlive(pid) ? pid : undefined;
  }

  async start(): Promise<void> {
    if (this.debian) run('pg_ctlcluster', ['--skip-systemctl-redirect', POSTGRES_VERSION, this.name, 'start']);
    else
      run(`${POSTGRES_BIN}/pg_ctl`, ['-D', this.dataDir, '-l', join(this.dataDir, 'log'), '-o', `-p ${this.port} -k ${this.dataDir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', 'start']);
    await until(`PostgreSQL on port ${this.port}`, async () => {
      const client = new Client({ connectionString: this.url(), connectionTimeoutMillis: 1000 });
      await client.connect();
      await client.end();
    }, 20_000, 100);
  }

  /** A clean, fast shutdown (clients are disconnected), or `immediate`; resolves once the postmaster has exited. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (this.pid === undefined) return;
    // `immediate`: no checkpoint, backends told to quit at once (what an OOM kill or a failover looks like to clients).
    if (this.debian) run('pg_ctlcluster', ['--skip-systemctl-redirect', POSTGRES_VERSION, this.name, 'stop', '-m', mode]);
    else run(`${POSTGRES_BIN}/pg_ctl`, ['-D', this.dataDir, '-m', mode, '-w', 'stop']);
  }

  /** SIGKILL of the postmaster (a crash); its backends end when they notice. Resolves once it is gone. */
  async kill(): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    process.kill(pid, 'SIGKILL');
    await until(`the postmaster ${pid} to exit`, () => !isAlive(pid), 10_000);
  }

  /** A fresh database on this cluster, migrated like the server's; resolves with its URL. */
  createDatabase(): Promise<string> {
    return createDatabase(this.url());
  }

  /** Stops the cluster and deletes it (configuration and data). Idempotent. */
  remove(): void {
    if (!clusters.delete(this)) return;
    if (this.debian) run('pg_dropcluster', [POSTGRES_VERSION, this.name, '--stop'], true);
    else {
      if (this.pid !== undefined) run(`${POSTGRES_BIN}/pg_ctl`, ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop'], true);
      rmSync(this.dataDir, { recursive: true, force: true });
    }
  }
}

function run(command: string, args: string[], ignoreFailure = false): void {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  if (!ignoreFailure && result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout || result.error?.message}`);
  }
}

/**
 * Creates a fresh database `parley_fault_<time>_<random>` on the server of `adminUrl` (default: the shared test
 * PostgreSQL, which is fine for data: nothing is stopped there) and runs the server's migrations on it, so nodes
 * started together never migrate concurrently. Resolves with its URL; dropped by `FaultServices.cleanup()`.
 */
export async function createDatabase(adminUrl = POSTGRES_ADMIN_URL): Promise<string> {
  const name = `parley_fault_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  databases.add(url.toString());
  const dataSource = new DataSource({ ...databaseOptions({ databaseUrl: url.toString(), dataDir: 'memory://' }), logging: false } as ConstructorParameters<typeof DataSource>[0]);
  await dataSource.initialize();
  await dataSource.destroy();
  return url.toString();
}

async function dropDatabase(url: string): Promise<void> {
  const adminUrl = new URL(url);
  const name = adminUrl.pathname.slice(1);
  adminUrl.pathname = '/postgres';
  const admin = new Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } catch {
    // The cluster may be gone (removed with its databases) or stopped by the test.
  } finally {
    await admin.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Server processes

/** One JSON log line of a node (pino): `msg`, `level` (30 info, 40 warn, 50 error), `context`, ... */
export interface LogLine {
  level: number;
  msg: string;
  context?: string;
  [key: string]: unknown;
}

export interface FaultNodeOptions {
  /** Environment on top of the defaults (test secret, `LOG_LEVEL=info`, `RATE_LIMITS=off`, a temporary DATA_DIR). */
  env?: Record<string, string>;
  /** Path that must answer 200 before `start` resolves. Default `/health/ready` (200 without Redis, unlike `/health`). */
  readyPath?: string;
  /** How long the node may take to become ready. Default 30 s. */
  readyTimeoutMs?: number;
}

/** A standalone server process (the built `dist/src/main.js`) with its log lines kept for assertions. */
export class FaultNode {
  /** Every line the process wrote, parsed when it is JSON (stdout and stderr). */
  readonly lines: LogLine[] = [];
  /** Lines that were not JSON (stack traces, Node's own warnings). */
  readonly raw: string[] = [];
  private exitListeners: Array<() => void> = [];

  private constructor(
    readonly process: ChildProcess,
    readonly port: number,
  ) {
    let pending = '';
    const take = (chunk: Buffer) => {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) this.take(part);
    };
    process.stdout?.on('data', take);
    process.stderr?.on('data', take);
    process.once('exit', () => {
      if (pending) this.take(pending);
      for (const listener of this.exitListeners.splice(0)) listener();
    });
  }

  static async start(options: FaultNodeOptions = {}): Promise<FaultNode> {
    if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npx nest build parley\` first (npm run test:faults does)`);
    const port = await freePort();
    const { NODE_OPTIONS: _jestOnly, ...inherited } = process.env;
    const child = spawn(process.execPath, [SERVER], {
      env: {
        ...inherited,
        PORT: String(port),
        HOST: '127.0.0.1',
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: 'info',
        RATE_LIMITS: 'off',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-fault-node-')),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    const node = new FaultNode(child, port);
    nodes.add(node);
    const readyPath = options.readyPath ?? '/health/ready';
    try {
      await until(`node ${child.pid} to answer 200 on ${readyPath}`, async () => {
        if (!node.alive) throw new GiveUp(`The server exited (${child.exitCode ?? child.signalCode}) before answering on ${readyPath}: ${node.output().slice(-2000)}`);
        const response = await fetch(`${node.url}${readyPath}`, { signal: AbortSignal.timeout(2000) });
        return response.status === 200;
      }, options.readyTimeoutMs ?? 30_000, 100);
    } catch (error) {
      await node.kill();
      throw error;
    }
    return node;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.process.pid as number;
  }

  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** How the process ended, or null while it runs. */
  get exit(): { code: number | null; signal: NodeJS.Signals | null } | null {
    return this.alive ? null : { code: this.process.exitCode, signal: this.process.signalCode };
  }

  /** Log lines whose message matches (and, optionally, whose level is at least `minLevel`). */
  logs(match: RegExp | string, minLevel = 0): LogLine[] {
    return this.lines.filter((line) => line.level >= minLevel && (typeof match === 'string' ? line.msg.includes(match) : match.test(line.msg)));
  }

  /** Resolves with the first log line (from `since`, an index into `lines`) that matches, within `timeoutMs`. */
  waitForLog(match: RegExp | string, timeoutMs = 10_000, since = 0): Promise<LogLine> {
    return until(`node ${this.pid} to log ${String(match)}`, () => {
      const found = this.lines.slice(since).find((line) => (typeof match === 'string' ? line.msg.includes(match) : match.test(line.msg)));
      if (found) return found;
      if (!this.alive) throw new GiveUp(`Node ${this.pid} exited (${JSON.stringify(this.exit)}) while waiting for ${String(match)}: ${this.output().slice(-2000)}`);
      return false;
    }, timeoutMs);
  }

  /** Everything the process wrote, for failure messages. */
  output(): string {
    return [...this.raw, ...this.lines.map((line) => JSON.stringify(line))].join('\n');
  }

  /** Registers a listener for the process's end (called at once if it has ended). */
  onExit(listener: () => void): void {
    if (!this.alive) listener();
    else this.exitListeners.push(listener);
  }

  /** Sends `signal` and resolves with how the process ended. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.alive) {
      const gone = exited(this.process);
      this.process.kill(signal);
      await gone;
    }
    return this.exit as { code: number | null; signal: NodeJS.Signals | null };
  }

  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.stop('SIGKILL');
  }

  private take(line: string): void {
    if (!line.trim()) return;
    try {
      const parsed = JSON.parse(line) as LogLine;
      if (typeof parsed === 'object' && parsed !== null && typeof parsed.msg === 'string') {
        this.lines.push(parsed);
        return;
      }
    } catch {
      // not JSON
    }
    this.raw.push(line);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Talking to the nodes

export const CHAT_BASE = '/api/v1/chat';

/** A user of the test: an id and a token signed with the test secret. */
export interface FaultUser {
  id: string;
  token: string;
}

export function faultUser(name: string): FaultUser {
  const id = `u-${name}-${randomBytes(4).toString('hex')}`;
  return { id, token: tokenFor(id, name) };
}

/**
 * One HTTP call to a node's chat API (`path` under `/api/v1/chat`), with a deadline; resolves with the status and
 * the parsed body, never throws for a status.
 */
export async function api<T = any>(node: { url: string }, user: FaultUser, method: string, path: string, body?: unknown, timeoutMs = 5000): Promise<{ status: number; body: T; ms: number }> {
  const started = Date.now();
  const response = await fetch(`${node.url}${CHAT_BASE}${path}`, {
    method,
    headers: { Authorization: `Bearer ${user.token}`, ...(body !== undefined && { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, ms: Date.now() - started };
}

/** A group room owned by `owner` with `members`; throws unless it is created. */
export async function createGroup(node: { url: string }, owner: FaultUser, members: FaultUser[]): Promise<{ id: string }> {
  const { status, body } = await api<{ id: string }>(node, owner, 'POST', '/rooms', { type: 'group', title: 'Faults', memberIds: members.map((m) => m.id) });
  if (status !== 201) throw new Error(`creating a room: ${status} ${JSON.stringify(body)}`);
  return body;
}

// ---------------------------------------------------------------------------------------------------------------
// Clean-up

const children = new Set<ChildProcess>();
const proxies = new Set<FaultProxy>();
const nodes = new Set<FaultNode>();
const clusters = new Set<FaultPostgres>();
const databases = new Set<string>();

function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/**
 * Stops everything this file started, by pid and by cluster name: server processes and redis-servers (SIGKILL),
 * databases created by `createDatabase` (dropped), PostgreSQL clusters (stopped and deleted).
 */
export async function cleanup(): Promise<void> {
  await Promise.all([...children].map(async (child) => {
    const gone = exited(child);
    child.kill('SIGKILL');
    await gone;
  }));
  nodes.clear();
  await Promise.all([...proxies].map((proxy) => proxy.close()));
  for (const url of [...databases]) {
    databases.delete(url);
    if (process.env.PARLEY_KEEP_TEST_DATABASE) continue;
    const cluster = [...clusters].find((candidate) => new URL(url).port === String(candidate.port));
    if (!cluster) await dropDatabase(url);
  }
  for (const cluster of [...clusters]) cluster.remove();
}

/** Registers `cleanup()` in `afterAll` of the calling spec file: even a failing test leaves nothing running. */
export function cleanUpAfterAll(): void {
  afterAll(cleanup, 60_000);
}

// Last resort when the Jest worker ends without running afterAll (a crash, a timeout): no process outlives it and
// no cluster is left behind. Synchronous work only.
process.once('exit', () => {
  for (const child of children) {
    try {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const cluster of clusters) cluster.remove();
});

export { databaseUrl };
