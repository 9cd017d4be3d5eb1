#!/usr/bin/env node
// `npm start`: runs the built standalone server, building it first only when dist/ is missing or older than the
// sources (scripts/build-stamp.cjs compares a hash of what the build reads with the stamp of the last successful
// build). A full build takes most of a minute; starting the built server a few seconds.
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { HASH_VARIABLE, inputsHash, isUpToDate } = require('./build-stamp.cjs');

const root = join(__dirname, '..');
// Hashed before the build starts: a file saved while it runs makes the next start build again.
const hash = inputsHash(root);

if (isUpToDate(root, hash)) {
  console.error('Parley: dist/ is up to date with the sources, starting it (no build).');
} else {
  console.error('Parley: the sources changed since the last build (or there is none): building with `npm run build`...');
  // `npm run build` ends with its `postbuild` script, which writes the stamp with this hash.
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', env: { ...process.env, [HASH_VARIABLE]: hash } });
  if (build.status !== 0) {
    console.error(`Parley: the build failed${build.error ? ` (${build.error.message})` : ''}; not starting.`);
    process.exit(build.status || 1);
  }
}

// In this process, so signals (SIGTERM, Ctrl-C) reach the server's own graceful shutdown as with `node dist/src/main.js`.
require(join(root, 'dist', 'src', 'main.js'));
