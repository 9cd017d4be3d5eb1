import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startLine } from '../src/start-line';

/**
 * `npm start` as a user runs it, in a copy of the repository (its own dist/, the shared node_modules): the first
 * start builds, a second one with unchanged sources starts the build it has, and the server says in one line where
 * it listens and where its data is.
 */
const REPO = resolve(__dirname, '..');
/** What scripts/build-stamp.cjs hashes, and all the build needs. */
const COPIED = ['src', 'libs', 'scripts', 'ormconfig.ts', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package.json', 'package-lock.json'];
const LISTENING = 'Parley is listening on ';

interface BuildStamp {
  STAMP: string;
  isUpToDate(root: string): boolean;
}

interface Started {
  /** The start line, as the server logged it. */
  line: string;
  /** What scripts/start.cjs said on stderr (whether it built). */
  stderr: string;
  stop(): Promise<void>;
}

/** Runs `npm start` in `cwd` until the server logs its start line. */
function npmStart(cwd: string, timeoutMs: number): Promise<Started> {
  const { NODE_OPTIONS: _jestOnly, DATABASE_URL: _database, DATA_DIR: _data, ...inherited } = process.env;
  // Its own process group, so that stopping it reaches npm and the server it runs.
  const child = spawn('npm', ['start'], {
    cwd,
    detached: true,
    env: { ...inherited, PORT: '0', LOG_LEVEL: 'info', JWT_SECRET: 'start-spec-secret', npm_config_update_notifier: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // `close` comes once npm has exited and every process holding its output (the server it started) is gone.
  const closed = new Promise<void>((done) => child.once('close', () => done()));
  const stop = async (): Promise<void> => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // The whole group has already ended.
    }
    await closed;
  };
  let stdout = '';
  let stderr = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      void stop();
      fail(new Error(`npm start logged no start line within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    const look = (): void => {
      for (const text of stdout.split('\n')) {
        if (!text.startsWith('{')) continue;
        const message = (JSON.parse(text) as { msg?: string }).msg;
        if (message?.startsWith(LISTENING)) {
          clearTimeout(timer);
          done({ line: message, stderr, stop });
          return;
        }
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      look();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`npm start ended (${code ?? signal}) before its start line:\n${stdout}\n${stderr}`));
    });
  });
}

function portOf(line: string): string {
  const port = /^Parley is listening on http:\/\/localhost:(\d+)\//.exec(line)?.[1];
  if (!port) throw new Error(`No port in the start line: ${line}`);
  return port;
}

async function expectServing(line: string): Promise<void> {
  expect((await fetch(`http://127.0.0.1:${portOf(line)}/health`)).status).toBe(200);
}

/** The README's "Then try it" commands, as printed, against the server of `line`: what they print. */
async function tryItFromReadme(line: string): Promise<string> {
  const block = /\nThen try it[^\n]*:\n\n```sh\n([\s\S]*?)```/.exec(readFileSync(join(REPO, 'README.md'), 'utf8'))?.[1];
  if (!block) throw new Error('The README has no "Then try it" block');
  const { stdout } = await promisify(execFile)('sh', ['-ec', block.replaceAll('localhost:3000', `127.0.0.1:${portOf(line)}`)], { timeout: 30_000 });
  return stdout;
}

describe('npm start', () => {
  let copy: string;
  let stamp: BuildStamp;

  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'parley-start-'));
    for (const path of COPIED) {
      cpSync(join(REPO, path), join(copy, path), { recursive: true, filter: (source) => !['node_modules', 'dist'].includes(basename(source)) });
    }
    symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'), 'dir');
    stamp = require(join(copy, 'scripts', 'build-stamp.cjs')) as BuildStamp;
  });

  afterAll(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it('builds when there is no build, then starts without building while the sources are unchanged', async () => {
    expect(existsSync(join(copy, 'dist'))).toBe(false);
    const first = await npmStart(copy, 240_000);
    try {
      expect(first.stderr).toMatch(/building with `npm run build`/);
      expect(first.line.replace(/:\d+\//, ':PORT/')).toBe(`${LISTENING}http://localhost:PORT/; data: ${join(copy, 'data')} (embedded database and uploaded images)`);
      await expectServing(first.line);
      // Twice: the first run registers ann, the second logs her in (register answers 409); each posts a message.
      for (let run = 0; run < 2; run += 1) {
        const printed = JSON.parse(await tryItFromReadme(first.line)) as { body: string; roomId: string };
        expect(printed).toMatchObject({ body: 'Hello, Parley', roomId: expect.any(String) });
      }
    } finally {
      await first.stop();
    }
    const built = { main: statSync(join(copy, 'dist/src/main.js')).mtimeMs, stamp: readFileSync(join(copy, stamp.STAMP), 'utf8') };
    expect(stamp.isUpToDate(copy)).toBe(true);

    const second = await npmStart(copy, 90_000);
    try {
      expect(second.stderr).toMatch(/up to date with the sources, starting it \(no build\)/);
      expect(second.stderr).not.toMatch(/building/);
      await expectServing(second.line);
    } finally {
      await second.stop();
    }
    // `nest build` empties dist/ first: an unchanged main.js and stamp mean no build ran.
    expect(statSync(join(copy, 'dist/src/main.js')).mtimeMs).toBe(built.main);
    expect(readFileSync(join(copy, stamp.STAMP), 'utf8')).toBe(built.stamp);
  }, 360_000);

  it('counts a changed source as stale by its content, and ignores tests', () => {
    expect(stamp.isUpToDate(copy)).toBe(true);
    const source = join(copy, 'libs/chat/src/index.ts');
    const original = readFileSync(source, 'utf8');
    writeFileSync(source, `${original}// changed\n`);
    expect(stamp.isUpToDate(copy)).toBe(false);
    // Back to the same content (with a newer modification time): nothing to build.
    writeFileSync(source, original);
    expect(stamp.isUpToDate(copy)).toBe(true);
    writeFileSync(join(copy, 'libs/chat/src/feature-boundaries.spec.ts'), '// a test is not built\n');
    expect(stamp.isUpToDate(copy)).toBe(true);
    writeFileSync(join(copy, 'package-lock.json'), `${readFileSync(join(copy, 'package-lock.json'), 'utf8')}\n`);
    expect(stamp.isUpToDate(copy)).toBe(false);
  });
});

describe(startLine.name, () => {
  const listening = { address: '0.0.0.0', family: 'IPv4', port: 3000 };

  it('shows localhost for every interface, and the address bound otherwise', () => {
    expect(startLine({ dataDir: '/srv/parley' }, listening)).toBe('Parley is listening on http://localhost:3000/; data: /srv/parley (embedded database and uploaded images)');
    expect(startLine({ dataDir: '/d' }, { address: '::', family: 'IPv6', port: 80 })).toMatch(/^Parley is listening on http:\/\/localhost:80\/;/);
    expect(startLine({ dataDir: '/d' }, { address: '127.0.0.1', family: 'IPv4', port: 8080 })).toMatch(/^Parley is listening on http:\/\/127\.0\.0\.1:8080\/;/);
    expect(startLine({ dataDir: '/d' }, { address: '::1', family: 'IPv6', port: 8080 })).toMatch(/^Parley is listening on http:\/\/\[::1\]:8080\/;/);
  });

  it('names the PostgreSQL host and database, never the credentials', () => {
    const line = startLine({ databaseUrl: 'postgres://chat:s3cret-pass@db.internal:5432/parley?sslmode=require', dataDir: '/srv/parley' }, listening);
    expect(line).toBe('Parley is listening on http://localhost:3000/; database: PostgreSQL at db.internal:5432/parley; uploaded images: /srv/parley/uploads');
    expect(line).not.toMatch(/s3cret|chat:/);
  });

  it('says when nothing is kept', () => {
    expect(startLine({ dataDir: 'memory://' }, listening)).toBe('Parley is listening on http://localhost:3000/; data: in memory (DATA_DIR=memory://, nothing survives a restart)');
    expect(startLine({ databaseUrl: 'postgres://db/parley', dataDir: 'memory://' }, listening)).toMatch(/PostgreSQL at db\/parley; uploaded images: in memory$/);
  });
});
