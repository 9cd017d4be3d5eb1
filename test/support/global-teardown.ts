import { Client } from 'pg';
import { POSTGRES_ADMIN_URL } from './services';

/** Drops the run's database (kept when PARLEY_KEEP_TEST_DATABASE is set, to look at it after a failure). */
export default async function globalTeardown(): Promise<void> {
  const name = process.env.PARLEY_TEST_DATABASE;
  if (!name || process.env.PARLEY_KEEP_TEST_DATABASE) return;
  const admin = new Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
