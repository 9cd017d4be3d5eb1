import { POSTGRES_ADMIN_URL, REDIS_URL, requireService } from '../../scripts/require-services.cjs';

export { POSTGRES_ADMIN_URL, REDIS_URL, requireService };

/** The URL of database `name` on the test PostgreSQL server. */
export function databaseUrl(name: string): string {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
