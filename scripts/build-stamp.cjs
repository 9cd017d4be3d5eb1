#!/usr/bin/env node
// The build's stamp: a hash of everything `npm run build` reads (sources, configurations, the lockfile), written to
// dist/.build-stamp after a successful build, so that `npm start` (scripts/start.cjs) rebuilds only when one of them
// changed. A content hash rather than modification times: a checkout, a `git stash` or a copy changes the times of
// files whose content is the same, and can give an older content a newer time.
// Usage: node scripts/build-stamp.cjs write   (npm runs it as `postbuild`)
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { join, relative, sep } = require('node:path');

/** What the build reads: folders are walked (without node_modules, build outputs and tests, which it never compiles). */
const INPUTS = ['src', 'libs', 'scripts/build-demo.js', 'ormconfig.ts', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package.json', 'package-lock.json'];
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist']);
const SKIPPED_FILES = /\.(spec|e2e-spec)\.ts$/;
const STAMP = join('dist', '.build-stamp');
/** Set by scripts/start.cjs for its build: the hash of the sources as they were when the build began. */
const HASH_VARIABLE = 'PARLEY_BUILD_INPUTS_HASH';

function inputFiles(root) {
  const files = [];
  const walk = (path) => {
    const entries = readdirSync(path, { withFileTypes: true });
    for (const entry of entries) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(full);
      } else if (entry.isFile() && !SKIPPED_FILES.test(entry.name)) {
        files.push(full);
      }
    }
  };
  for (const input of INPUTS) {
    const full = join(root, input);
    if (!existsSync(full)) continue;
    if (statSync(full).isDirectory()) walk(full);
    else files.push(full);
  }
  // Sorted by their path relative to the root, with `/`: the same hash on every machine and in every copy.
  return files.map((file) => relative(root, file).split(sep).join('/')).sort();
}

/** The hash of the build's inputs under `root`: each file's path and content. */
function inputsHash(root) {
  const hash = createHash('sha256');
  for (const file of inputFiles(root)) {
    hash.update(file).update('\0').update(readFileSync(join(root, file))).update('\0');
  }
  return hash.digest('hex');
}

/** Whether dist/ holds a complete build of the inputs as they are now (a hash may be given when just computed). */
function isUpToDate(root, hash = inputsHash(root)) {
  if (!existsSync(join(root, 'dist', 'src', 'main.js'))) return false;
  try {
    return readFileSync(join(root, STAMP), 'utf8').trim() === hash;
  } catch {
    return false;
  }
}

function writeStamp(root, hash = inputsHash(root)) {
  writeFileSync(join(root, STAMP), `${hash}\n`);
}

module.exports = { HASH_VARIABLE, STAMP, inputsHash, isUpToDate, writeStamp };

if (require.main === module) {
  const root = join(__dirname, '..');
  if (process.argv[2] !== 'write') {
    console.error('Usage: node scripts/build-stamp.cjs write');
    process.exit(2);
  }
  writeStamp(root, process.env[HASH_VARIABLE] || undefined);
}
