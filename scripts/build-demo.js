#!/usr/bin/env node
// Builds the demo web client (src/demo/client) into dist/demo: one esbuild bundle of the TypeScript and
// socket.io-client, the service worker (client/worker, served at /sw.js), plus the page and its styles. `npm run build` runs it after `nest build` (which empties
// dist/); the demo's browser test runs it before it starts the server. Usage: node scripts/build-demo.js [outDir]
'use strict';
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const source = join(root, 'src', 'demo', 'client');

/**
 * The emoji of the reaction picker, from emojibase-data (English names and search tags), in Unicode's order and
 * groups. Skin-tone variants, components and lone regional indicators are left out. Written as emoji.json, which
 * the page fetches when the picker first opens, so the app bundle does not carry the whole list.
 */
function emojiData() {
  const emoji = require('emojibase-data/en/compact.json');
  const { groups } = require('emojibase-data/en/messages.json');
  const COMPONENT = groups.find((group) => group.key === 'component').order;
  return JSON.stringify({
    groups: groups.filter((group) => group.order !== COMPONENT).map((group) => [group.order, group.message]),
    emoji: emoji
      .filter((entry) => entry.group !== undefined && entry.group !== COMPONENT)
      .sort((a, b) => a.order - b.order)
      .map((entry) => [entry.unicode, entry.label, entry.group, (entry.tags ?? []).join(' ')]),
  });
}

async function buildDemo(outDir = join(root, 'dist', 'demo')) {
  const esbuild = require('esbuild');
  mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { app: join(source, 'main.ts') },
    outdir: outDir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
  });
  // The service worker: a bundle of its own (another global scope), without a source map, as it is served from /.
  const worker = await esbuild.build({
    entryPoints: { sw: join(source, 'worker', 'service-worker.ts') },
    outdir: outDir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
  });
  const files = [...result.outputFiles, ...worker.outputFiles].map((file) => [file.path, file.contents]);
  for (const [from, to] of [['index.html', 'index.html'], ['styles.css', 'app.css']]) files.push([join(outDir, to), readFileSync(join(source, from))]);
  files.push([join(outDir, 'emoji.json'), emojiData()]);
  // Each file is written next to its final name and renamed, so a server reading the folder never serves half a file.
  for (const [path, contents] of files) {
    writeFileSync(`${path}.${process.pid}.tmp`, contents);
    renameSync(`${path}.${process.pid}.tmp`, path);
  }
  return outDir;
}

module.exports = { buildDemo };

if (require.main === module) {
  buildDemo(process.argv[2] ? resolve(process.argv[2]) : undefined).then(
    (dir) => console.log(`demo client built in ${dir}`),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
