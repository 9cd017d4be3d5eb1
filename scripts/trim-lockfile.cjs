#!/usr/bin/env node
// This project's registry serves only the Linux builds of packages with per-platform binaries (@swc/core,
// unrs-resolver, ...), so npm cannot lock the others, and npm 11's `npm ci` then refuses a lock whose entries name
// optional dependencies it does not contain. Drop those names from the lock's optionalDependencies: run it after
// every `npm install` that changes package-lock.json.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
let dropped = 0;
for (const [location, entry] of Object.entries(lock.packages)) {
  if (!entry.optionalDependencies) continue;
  for (const name of Object.keys(entry.optionalDependencies)) {
    // npm resolves a dependency from the nearest node_modules up the tree.
    const parts = location ? location.split('/node_modules/') : [''];
    const candidates = parts.map((_, i) => `${parts.slice(0, parts.length - i).join('/node_modules/')}/node_modules/${name}`.replace(/^\//, ''));
    candidates.push(`node_modules/${name}`);
    if (!candidates.some((candidate) => lock.packages[candidate])) {
      delete entry.optionalDependencies[name];
      dropped++;
    }
  }
  if (Object.keys(entry.optionalDependencies).length === 0) delete entry.optionalDependencies;
}
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: dropped ${dropped} optional dependencies the registry does not serve`);
