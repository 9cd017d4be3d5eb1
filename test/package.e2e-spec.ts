import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ChatClientToServerEvents, ChatServerToClientEvents } from '@parley/chat';
import { Client } from 'pg';
import { io, type Socket } from 'socket.io-client';
import { chatRoutesShape } from './support/openapi-shape';
import { freePort } from './support/processes';
import { eventually } from './support/sockets';

/**
 * The library as a host gets it: `npm pack` of libs/chat, installed from the tarball (never a `file:` link to
 * the library, which would resolve its own copy of @nestjs/core) into a new project, offline.
 *
 * Offline: the host project's other dependencies are `file:` links to the packages of this repository's
 * node_modules. npm symlinks a folder outside the project and installs nothing for it, so `npm install --offline`
 * only unpacks the tarball and checks that every dependency and peer dependency it declares is satisfied by one
 * of the links (a missing one would need the registry and fails with ENOTCACHED). The links are made from the
 * package's own manifest, so a package the library imports but does not declare cannot be found at run time.
 */
const REPO = resolve(__dirname, '..');
const FIXTURE = join(__dirname, 'fixtures', 'package-host');
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
const run = promisify(execFile);

/** The environment of the child processes: no jest-only NODE_OPTIONS, the test database. */
function childEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _jestOnly, ...env } = process.env;
  const databaseUrl = process.env.PARLEY_TEST_DATABASE_URL;
  if (!databaseUrl) throw new Error('PARLEY_TEST_DATABASE_URL is not set: run the tests through jest');
  return { ...env, DATABASE_URL: databaseUrl, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

async function exec(file: string, args: string[], cwd: string, timeout = 60_000, env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, env: { ...childEnv(), ...env }, timeout, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${[file, ...args].join(' ')} failed in ${cwd}:\n${failure.message}\n${failure.stdout ?? ''}\n${failure.stderr ?? ''}`);
  }
}

interface Manifest {
  name: string;
  version: string;
  main?: string;
  types?: string;
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

describe('the packed @parley/chat', () => {
  let work: string;
  let host: string;
  let packedFiles: string[];
  const manifest = JSON.parse(readFileSync(join(REPO, 'libs/chat/package.json'), 'utf8')) as Manifest;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'parley-package-'));
    // `npm run pack:lib`: the Nest CLI's tsc builder (tsc plus the @nestjs/swagger plugin; README, "Design notes")
    // into libs/chat/dist, then `npm pack` of libs/chat.
    await exec(process.execPath, [join(REPO, 'node_modules/@nestjs/cli/bin/nest.js'), 'build', 'chat', '--builder', 'tsc'], REPO, 120_000);
    const packed = JSON.parse(await exec('npm', ['pack', join(REPO, 'libs/chat'), '--pack-destination', work, '--json'], work)) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    packedFiles = packed[0].files.map((file) => file.path);
    const tarball = join(work, packed[0].filename);

    host = join(work, 'host');
    const link = (name: string) => `file:${join(REPO, 'node_modules', name)}`;
    const dependencies: Record<string, string> = { '@parley/chat': `file:${tarball}`, pg: link('pg') };
    for (const name of [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]) dependencies[name] = link(name);
    // jsonwebtoken: the README host's token minting (src/readme-host/chat-token.ts).
    dependencies.jsonwebtoken = link('jsonwebtoken');
    const devDependencies = Object.fromEntries(['@types/node', '@types/jsonwebtoken', 'socket.io-client'].map((name) => [name, link(name)]));
    cpSync(FIXTURE, host, { recursive: true });
    writeFileSync(join(host, 'package.json'), JSON.stringify({ name: 'parley-package-host', private: true, type: 'commonjs', dependencies, devDependencies }, null, 2));
    await exec('npm', ['install', '--offline', '--ignore-scripts', '--install-links=false', '--no-audit', '--no-fund', '--loglevel=error'], host);
    writeFileSync(
      join(host, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          strict: true,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          types: ['node'],
          skipLibCheck: true,
          rootDir: 'src',
          outDir: 'dist',
        },
        include: ['src'],
      }),
    );
    // Type-checks the host against the package's .d.ts files, as a host's build would.
    await exec(process.execPath, [TSC, '-p', join(host, 'tsconfig.json')], host);
  }, 150_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs the CommonJS build with its types, and nothing else', () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']));
    expect(packedFiles.filter((file) => !file.startsWith('dist/') && !['package.json', 'README.md'].includes(file))).toEqual([]);
    expect(packedFiles.filter((file) => /\.spec\.|tsbuildinfo/.test(file))).toEqual([]);
    expect(manifest.exports?.['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(Object.keys(manifest.peerDependencies ?? {})).toEqual(expect.arrayContaining(['@nestjs/common', '@nestjs/core', '@nestjs/typeorm', 'typeorm', 'socket.io']));
  });

  it('ships no source map that points to a file it does not ship', () => {
    // The library is built without source maps (libs/chat/tsconfig.lib.json): maps of sources left out of the
    // package only send debuggers and stack-trace tools looking for files that are not there.
    const installed = join(host, 'node_modules/@parley/chat');
    const shipped = new Set(packedFiles);
    const missing: string[] = [];
    for (const file of packedFiles) {
      const text = readFileSync(join(installed, file), 'utf8');
      const mapUrl = /[#@] sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
      if (mapUrl && !mapUrl.startsWith('data:') && !shipped.has(join(dirname(file), mapUrl))) missing.push(`${file} -> ${mapUrl}`);
      if (!file.endsWith('.map')) continue;
      const map = JSON.parse(text) as { sourceRoot?: string; sources: string[] };
      for (const source of map.sources) {
        const target = join(dirname(file), map.sourceRoot ?? '', source);
        if (!shipped.has(target)) missing.push(`${file} -> ${source}`);
      }
    }
    expect(missing).toEqual([]);
    expect(packedFiles.filter((file) => file.endsWith('.map'))).toEqual([]);
  });

  it('is installed from the tarball, not linked, and shares the host copy of Nest', () => {
    const installed = join(host, 'node_modules/@parley/chat');
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).version).toBe(manifest.version);
    expect(lstatSync(join(installed, 'node_modules'), { throwIfNoEntry: false })).toBeUndefined();
  });

  it('boots a CommonJS host on Node: REST and Socket.IO', async () => {
    const child = spawn(process.execPath, [join(host, 'dist/host.js')], { cwd: host, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await listeningUrl(child);
      const post = (path: string, token: string, body: unknown) =>
        fetch(`${url}/api/v1/chat${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const created = await post('/rooms', 'package-token-ann', { type: 'group', title: 'Packed', memberIds: ['package-bob'] });
      expect(created.status).toBe(201);
      const room = (await created.json()) as { id: string; creatorId: string };
      expect(room.creatorId).toBe('package-ann');
      expect((await post('/rooms', 'wrong-token', { type: 'group', title: 'x', memberIds: [] })).status).toBe(401);

      const socket: Socket<ChatServerToClientEvents, ChatClientToServerEvents> = io(`${url}/chat`, {
        transports: ['websocket'],
        auth: { token: 'package-token-bob' },
        reconnection: false,
        forceNew: true,
      });
      try {
        await new Promise<void>((done, fail) => {
          socket.once('connect', () => done());
          socket.once('connect_error', fail);
        });
        const received = new Promise<string>((done) => socket.on('message.created', ({ message }) => done(message.body)));
        expect((await post(`/rooms/${room.id}/messages`, 'package-token-ann', { body: 'over the packed gateway' })).status).toBe(201);
        expect(await received).toBe('over the packed gateway');
      } finally {
        socket.disconnect();
      }
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  it('is the host app the README prints, file by file', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const folder = join(FIXTURE, 'src', 'readme-host');
    for (const file of ['app.module.ts', 'main.ts', 'users/user.entity.ts', 'migrations/1700000000000-create-users.ts', 'chat-token.ts']) {
      expect(readme).toContain(`\`\`\`ts\n// ${file}\n${readFileSync(join(folder, file), 'utf8').trim()}\n\`\`\``);
    }
  });

  it('runs the host app of the README: its users migration, a token it mints, a room and a message', async () => {
    const port = await freePort();
    const secret = 'readme-host-secret';
    const env = { ...childEnv(), PORT: String(port), JWT_SECRET: secret };
    const child = spawn(process.execPath, [join(host, 'dist/readme-host/main.js')], { cwd: host, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const url = `http://127.0.0.1:${port}/api/v1/chat`;
    const mint = async (script: string) => (await exec(process.execPath, ['-e', script], host, 30_000, { JWT_SECRET: secret })).trim();
    try {
      await eventually(async () => {
        if (child.exitCode !== null) throw new Error(`The README host exited with ${child.exitCode}:\n${output.join('')}`);
        expect((await fetch(`${url}/rooms`)).status).toBe(401);
      }, 60_000, 200);
      const token = await mint(`console.log(require('./dist/readme-host/chat-token').chatToken({ id: 'readme-ann', displayName: 'Ann' }))`);
      const post = (path: string, body: unknown, bearer = token) =>
        fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const created = await post('/rooms', { type: 'group', title: 'From the README', memberIds: [] });
      expect(created.status).toBe(201);
      const room = (await created.json()) as { id: string; creatorId: string };
      expect(room.creatorId).toBe('readme-ann');
      expect((await post(`/rooms/${room.id}/messages`, { body: 'Hello from the README host' })).status).toBe(201);

      // A token of the right secret but another issuer: 401 for the client, the reason in the host's (debug) log.
      const otherIssuer = await mint(`console.log(require('jsonwebtoken').sign({ sub: 'readme-ann' }, process.env.JWT_SECRET, { issuer: 'https://other.example.com' }))`);
      expect((await post('/rooms', { type: 'group', title: 'x', memberIds: [] }, otherIssuer)).status).toBe(401);
      await eventually(() => expect(output.join('')).toContain('Token refused: jwt issuer invalid. expected: https://id.example.com'));

      // The host's own migration ran beside the chat's.
      const database = new Client({ connectionString: childEnv().DATABASE_URL });
      await database.connect();
      try {
        const { rows } = await database.query<{ name: string }>(`SELECT name FROM migrations WHERE name = 'CreateUsers1700000000000'`);
        expect(rows).toHaveLength(1);
        await database.query(`INSERT INTO users (display_name, email) VALUES ('Ann', 'ann-' || gen_random_uuid() || '@example.com')`);
      } finally {
        await database.end();
      }
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);

  it('gives the host the same OpenAPI description of the chat routes as the standalone server', async () => {
    const hostDocument = JSON.parse(await exec(process.execPath, [join(host, 'dist/host.js'), '--openapi'], host)) as Parameters<typeof chatRoutesShape>[0];
    const committed = JSON.parse(readFileSync(join(REPO, 'clients/typescript/openapi.json'), 'utf8')) as Parameters<typeof chatRoutesShape>[0];
    expect(Object.keys(chatRoutesShape(hostDocument).paths).length).toBeGreaterThan(20);
    expect(chatRoutesShape(hostDocument)).toEqual(chatRoutesShape(committed));
  }, 60_000);

  it('loads in an ES module host under Vitest', async () => {
    const output = await exec(process.execPath, [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--root', host, '--globals', '--reporter=dot', 'esm-host.test.mjs'], host);
    expect(output).toMatch(/1 passed/);
  }, 60_000);

  it('loads in a CommonJS host under Jest', async () => {
    // The host's Jest set-up is the one every Nest 12 host needs (see jest.config.js): @swc/jest, with the
    // ESM-only packages transpiled. The library itself is CommonJS and is loaded as it is.
    const repoConfig = require(join(REPO, 'jest.config.js')) as { transform: Record<string, [string, unknown]>; transformIgnorePatterns: string[] };
    const [pattern, [, swcOptions]] = Object.entries(repoConfig.transform)[0];
    writeFileSync(
      join(host, 'jest.config.js'),
      `module.exports = ${JSON.stringify({
        rootDir: host,
        testEnvironment: 'node',
        testRegex: 'cjs-host\\.test\\.js$',
        transform: { [pattern]: [require.resolve('@swc/jest'), swcOptions] },
        transformIgnorePatterns: repoConfig.transformIgnorePatterns,
        testTimeout: 30_000,
      })};\n`,
    );
    // Nest 12 loads optional packages (class-validator...) with import(), which Jest's VM runs only with this flag.
    await exec(process.execPath, [join(REPO, 'node_modules/jest/bin/jest.js'), '--ci', '--config', join(host, 'jest.config.js')], host, 90_000, {
      NODE_OPTIONS: '--experimental-vm-modules',
    });
  }, 100_000);
});

/** The URL a host process prints once it listens. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((done, fail) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`The host did not start within 30 s:\n${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((candidate) => candidate.startsWith('{"url"'));
      if (line) {
        clearTimeout(timer);
        done((JSON.parse(line) as { url: string }).url);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`The host exited with ${code}:\n${output}`));
    });
  });
}
