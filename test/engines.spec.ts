import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { minVersion, satisfies } from 'semver';

/**
 * The `engines` promise (README, "Two commands"): every package the server or the library runs with supports the
 * lowest Node.js version the project names, read from package-lock.json, so an upgrade that drops it fails here
 * instead of in `npm ci`'s EBADENGINE warnings on a host. Dev-only packages (the Nest CLI's build tools) are not held
 * to it: they are not installed by hosts or in production, and the build runs on this Node.
 */
const REPO = resolve(__dirname, '..');

interface LockEntry {
  version?: string;
  dev?: boolean;
  devOptional?: boolean;
  link?: boolean;
  engines?: { node?: string } | string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface Manifest {
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/**
 * Run-time packages of the standalone server only (never reached from the library's dependencies) that name a
 * newer Node.js than the project, with why they stay. Each must still be installed and still name a newer Node,
 * so the entry is removed once an upgrade makes it unnecessary.
 */
const SERVER_ONLY_EXCEPTIONS: Record<string, string> = {
  // The only nestjs-pino line for Nest 12 names Node 22.12 (its 4.x line stops at Nest 11 and logs Express 5 route
  // warnings); it runs on Node 20.19+, which can require() the ES-module-only Nest 12 as 22.12 can. Every test of
  // the standalone server runs it on this machine's Node 20.
  'nestjs-pino': 'the standalone server logger; runs on Node 20.19+, tested on Node 20',
};

const readJson = <T>(path: string): T => JSON.parse(readFileSync(join(REPO, path), 'utf8')) as T;

const lock = readJson<{ packages: Record<string, LockEntry> }>('package-lock.json');
const root = readJson<Manifest>('package.json');
const library = readJson<Manifest>('libs/chat/package.json');

function nodeRange(entry: LockEntry): string | undefined {
  return Array.isArray(entry.engines) ? undefined : entry.engines?.node;
}

/** The package name of a lock location (`node_modules/a/node_modules/@b/c` → `@b/c`). */
function nameOf(location: string): string {
  return location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

/** Where `name`, required from the package at `from`, is installed: the nearest node_modules up the tree, as Node finds it. */
function locate(name: string, from: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent === -1 ? '' : base.slice(0, parent);
  }
}

/** Every installed package reached from `names` (and their dependencies, optional and peer ones included). */
function closure(names: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string, from: string): void => {
    const location = locate(name, from);
    if (!location || seen.has(location)) return;
    seen.add(location);
    const entry = lock.packages[location];
    for (const dependency of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies })) visit(dependency, location);
  };
  for (const name of names) visit(name, '');
  return seen;
}

describe('engines', () => {
  const promised = root.engines?.node ?? '';
  const lowest = minVersion(promised)?.version ?? '';

  it('names a Node.js range, the same for the server and the library', () => {
    expect(lowest).toBe('20.19.0');
    expect(library.engines?.node).toBe(promised);
  });

  it('holds every run-time package of the lock to the lowest Node.js version named', () => {
    const unsupported = Object.entries(lock.packages)
      .filter(([location, entry]) => location !== '' && !entry.dev && !entry.devOptional && !entry.link)
      .filter(([, entry]) => nodeRange(entry) !== undefined && !satisfies(lowest, nodeRange(entry) ?? '*'))
      .map(([location, entry]) => `${nameOf(location)}@${entry.version} wants node ${nodeRange(entry)}`);
    const unexpected = unsupported.filter((line) => !Object.keys(SERVER_ONLY_EXCEPTIONS).some((name) => line.startsWith(`${name}@`)));
    expect(unexpected).toEqual([]);
  });

  it('holds everything the library brings to a host to it, with no exception', () => {
    const reached = closure([...Object.keys(library.dependencies ?? {}), ...Object.keys(library.peerDependencies ?? {})]);
    expect(reached.size).toBeGreaterThan(50);
    const unsupported = [...reached]
      .map((location) => [location, lock.packages[location]] as const)
      .filter(([, entry]) => !entry.dev && nodeRange(entry) !== undefined && !satisfies(lowest, nodeRange(entry) ?? '*'))
      .map(([location, entry]) => `${nameOf(location)}@${entry.version} wants node ${nodeRange(entry)}`);
    expect(unsupported).toEqual([]);
    expect([...reached].map(nameOf)).toEqual(expect.arrayContaining(['file-type', 'sharp', '@nestjs/common']));
  });

  it.each(Object.keys(SERVER_ONLY_EXCEPTIONS))('keeps %s as an exception only while it is one', (name) => {
    const entry = lock.packages[`node_modules/${name}`];
    expect(entry).toBeDefined();
    expect(entry.dev).toBeFalsy();
    expect(satisfies(lowest, nodeRange(entry) ?? '*')).toBe(false);
    expect(library.dependencies?.[name]).toBeUndefined();
    const reachedByLibrary = closure([...Object.keys(library.dependencies ?? {}), ...Object.keys(library.peerDependencies ?? {})]);
    expect([...reachedByLibrary].map(nameOf)).not.toContain(name);
  });
});
