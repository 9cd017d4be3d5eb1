import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient } from 'redis';
import { eventually } from './sockets';
import { TEST_JWT_SECRET } from './test-app';

/** The built standalone server (`npm test` builds it first). */
export const SERVER_MAIN = resolve(__dirname, '../../dist/src/main.js');

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

/** A Redis server of the test's own, so stopping it disturbs no other test. */
export class TestRedis {
  private process?: ChildProcess;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await eventually(async () => {
      const client = createClient({ url: this.url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
      client.on('error', () => undefined);
      await client.connect();
      await client.close();
    }, 10_000, 100);
  }

  /** Runs one command on a connection of its own (to look at what the nodes wrote). */
  async command<T = unknown>(...args: string[]): Promise<T> {
    const client = createClient({ url: this.url, socket: { reconnectStrategy: false, connectTimeout: 2000 } });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.sendCommand(args)) as T;
    } finally {
      await client.close();
    }
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill('SIGKILL');
    });
  }
}

/** One standalone server process. */
export class ServerNode {
  private constructor(
    readonly process: ChildProcess,
    readonly url: string,
    readonly output: string[],
  ) {}

  static async start(env: Record<string, string>): Promise<ServerNode> {
    const port = await freePort();
    const output: string[] = [];
    const { NODE_OPTIONS: _jestOnly, ...inherited } = process.env;
    const child = spawn(process.execPath, [SERVER_MAIN], {
      env: {
        ...inherited,
        PORT: String(port),
        HOST: '127.0.0.1',
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: 'warn',
        // The chat's per-user limits would throttle the suites' bursts; the security spec turns them on itself.
        RATE_LIMITS: 'off',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-node-')),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const node = new ServerNode(child, `http://127.0.0.1:${port}`, output);
    try {
      await eventually(async () => {
        if (child.exitCode !== null) throw new Error(`The server exited with ${child.exitCode}: ${output.join('')}`);
        const response = await fetch(`${node.url}/health`);
        if (response.status !== 200) throw new Error(`health ${response.status}`);
      }, 60_000, 200);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return node;
  }

  /** Sends a signal and resolves with how the process ended. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return { code: this.process.exitCode, signal: this.process.signalCode };
    return new Promise((done) => {
      this.process.once('exit', (code, received) => done({ code, signal: received }));
      this.process.kill(signal);
    });
  }
}
