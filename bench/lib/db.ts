import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { pin } from './procs';

export const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database `parley_bench_<random>`; the first server started on it migrates it. */
export async function createBenchDatabase(): Promise<string> {
  const name = `parley_bench_${randomBytes(5).toString('hex')}`;
  await withClient(ADMIN_URL, (client) => client.query(`CREATE DATABASE ${name}`));
  return name;
}

export async function dropBenchDatabase(name: string): Promise<void> {
  if (!/^parley_bench_[0-9a-f]+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  await withClient(ADMIN_URL, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/**
 * The PostgreSQL backend processes serving this database (the servers' pools and the bench's own connections):
 * they run on the server core, so PostgreSQL does not steal the load generator's core. The shared background
 * processes (WAL writer, checkpointer, autovacuum) are left alone.
 */
export class DatabaseBackends {
  private readonly pinned = new Set<number>();
  pids: number[] = [];

  constructor(
    private readonly name: string,
    private readonly cpu: number | null,
  ) {}

  async refresh(admin: Client): Promise<number[]> {
    const { rows } = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'`, [this.name]);
    this.pids = rows.map((row) => row.pid);
    for (const pid of this.pids) {
      if (!this.pinned.has(pid) && pin(pid, this.cpu)) this.pinned.add(pid);
    }
    return this.pids;
  }
}
