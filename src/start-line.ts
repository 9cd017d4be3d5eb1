import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AppConfig } from './config/app-config';

/** Addresses that mean "every interface": the URL to open on this machine is then localhost's. */
const ANY_ADDRESS = new Set(['0.0.0.0', '::', '::0', '0:0:0:0:0:0:0:0']);

/**
 * The one line the server prints once it listens: the URL to open (from the address it really got, so `PORT=0`
 * shows the port chosen) and where its data is kept. Of a PostgreSQL URL only the host and database are shown,
 * never the user or password.
 */
export function startLine(config: Pick<AppConfig, 'databaseUrl' | 'dataDir'>, address: AddressInfo | string | null): string {
  return `Parley is listening on ${listeningUrl(address)}; ${dataPlace(config)}`;
}

function listeningUrl(address: AddressInfo | string | null): string {
  if (!address || typeof address === 'string') return String(address);
  const host = ANY_ADDRESS.has(address.address) ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}/`;
}

function dataPlace({ databaseUrl, dataDir }: Pick<AppConfig, 'databaseUrl' | 'dataDir'>): string {
  const inMemory = dataDir === 'memory://';
  if (!databaseUrl) return inMemory ? 'data: in memory (DATA_DIR=memory://, nothing survives a restart)' : `data: ${dataDir} (embedded database and uploaded images)`;
  return `database: PostgreSQL at ${databaseLocation(databaseUrl)}; uploaded images: ${inMemory ? 'in memory' : join(dataDir, 'uploads')}`;
}

/** `host:port/database` of a PostgreSQL URL, without its credentials or parameters. */
function databaseLocation(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.host}${url.pathname === '/' ? '' : decodeURIComponent(url.pathname)}`;
  } catch {
    return 'DATABASE_URL (not a URL that can be shown)';
  }
}
