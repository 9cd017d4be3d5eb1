#!/usr/bin/env node
// Fails within seconds, with the command that starts it, when PostgreSQL or Redis does not answer: the test
// suite uses both for real. Run first by `npm test` (before the build), and again by Jest's global setup.
'use strict';
const { Socket } = require('node:net');

const HOW_TO_START = {
  PostgreSQL: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  Redis: 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
};

const POSTGRES_ADMIN_URL = process.env.PARLEY_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.PARLEY_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** Resolves when `url`'s host and port accept a TCP connection within 2 s; rejects with how to start it. */
async function requireService(name, url) {
  const { hostname, port } = new URL(url);
  const reachable = await new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port), hostname, () => done(true));
  });
  if (!reachable) {
    throw new Error(`${name} is not answering at ${hostname}:${port}. The tests use a real ${name}; start it with:\n  ${HOW_TO_START[name]}`);
  }
}

module.exports = { requireService, POSTGRES_ADMIN_URL, REDIS_URL };

if (require.main === module) {
  Promise.all([requireService('PostgreSQL', POSTGRES_ADMIN_URL), requireService('Redis', REDIS_URL)]).catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
