import { Logger } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { describeError } from './error-summary';
import { databaseUnavailable, roomBusy, ServiceUnavailableError, type RetryLaterCode } from './service-unavailable.error';

/** Network errors of a connection that cannot be made or was lost. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * SQLSTATEs of a server that is going away or not taking connections: 57P01 admin_shutdown, 57P02 crash_shutdown,
 * 57P03 cannot_connect_now (starting up, shutting down, in recovery), 53300 too_many_connections, class 08
 * (connection exceptions).
 */
const UNAVAILABLE_STATE = /^(08|57P0[123]$|53300$)/;
/** What node-postgres says when a connection ends under it, or cannot be made in time. */
const LOST_CONNECTION = /Connection terminated|Connection ended unexpectedly|not queryable|terminating connection/i;
/** pg-pool: no connection of the pool became free within `connectionTimeoutMillis`. */
const POOL_TIMEOUT = /timeout exceeded when trying to connect/i;
const LOCK_NOT_AVAILABLE = '55P03';

/** The error itself, TypeORM's driver error under it, and their causes (an AggregateError's first error too). */
function* layers(error: unknown, depth = 0): Generator<{ code?: unknown; message?: unknown }> {
  if (depth > 4 || typeof error !== 'object' || error === null) return;
  yield error as { code?: unknown; message?: unknown };
  if (error instanceof QueryFailedError) yield* layers(error.driverError, depth + 1);
  const { cause, errors } = error as { cause?: unknown; errors?: unknown };
  if (cause) yield* layers(cause, depth + 1);
  if (Array.isArray(errors) && errors.length > 0) yield* layers(errors[0], depth + 1);
}

/** True when the error says the database cannot be reached (refused, lost, shutting down, timed out connecting). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const layer of layers(error)) {
    const code = typeof layer.code === 'string' ? layer.code : '';
    if (NETWORK_CODES.has(code) || UNAVAILABLE_STATE.test(code)) return true;
    if (typeof layer.message === 'string' && LOST_CONNECTION.test(layer.message)) return true;
  }
  return false;
}

/** True when a request waited for a connection of the pool longer than its `connectionTimeoutMillis`. */
export function isPoolExhausted(error: unknown): boolean {
  for (const layer of layers(error)) if (typeof layer.message === 'string' && POOL_TIMEOUT.test(layer.message)) return true;
  return false;
}

/** SQLSTATE 55P03: a lock was not granted within `lock_timeout` (the write function's safety net). */
export function isLockTimeout(error: unknown): boolean {
  for (const layer of layers(error)) if (layer.code === LOCK_NOT_AVAILABLE) return true;
  return false;
}

/** How often the probes run while the database is away. */
const PROBE_INTERVAL_MS = 1000;
/** At most one "waited for a database connection" line per this long. */
const OVERLOAD_LOG_INTERVAL_MS = 60_000;

/**
 * The process's view of its database: up, or away since when. The first error of an outage is logged (one line,
 * `Database unavailable (...)`), and so is the recovery (`Database back after N s`), whatever the number of requests
 * that failed in between: each of those is answered 503 `DATABASE_UNAVAILABLE` without a line of its own. Recovery
 * is noticed by the next statement that succeeds and reports it (the message writer after every write, the
 * readiness check), and by the probes registered with `watch`, run every second while the database is away.
 *
 * One per process (`databaseOutage`): the database a process cannot reach is the same for every request.
 */
export class DatabaseOutage {
  private readonly logger = new Logger('Database');
  private since: number | null = null;
  private readonly probes = new Set<() => Promise<unknown>>();
  private timer: NodeJS.Timeout | null = null;
  private lastOverloadLog = 0;
  /** Outages seen by this process (for metrics and tests). */
  outages = 0;

  /** True from the first failure of an outage until a statement succeeds again. */
  get down(): boolean {
    return this.since !== null;
  }

  /** When the current outage began (ms since the epoch), or null. */
  get downSince(): number | null {
    return this.since;
  }

  /** Reports an error that means the database cannot be reached; the first one of an outage is logged. */
  failed(error: unknown): void {
    if (this.since !== null) return;
    this.since = Date.now();
    this.outages++;
    this.logger.error(`Database unavailable (${describeError(error)}): requests that need it are answered 503 DATABASE_UNAVAILABLE until it is back`);
    this.probeWhileDown();
  }

  /** Reports a statement that succeeded; ends an outage (logged once, with its length). */
  succeeded(): void {
    if (this.since === null) return;
    const seconds = (Date.now() - this.since) / 1000;
    this.since = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.logger.warn(`Database back after ${seconds.toFixed(1)} s`);
  }

  /** Requests waited longer than the pool's connection timeout while the database answered: logged once a minute. */
  exhausted(): void {
    const now = Date.now();
    if (now - this.lastOverloadLog < OVERLOAD_LOG_INTERVAL_MS) return;
    this.lastOverloadLog = now;
    this.logger.warn('Requests waited too long for a database connection (pool exhausted): answered 503 SERVER_BUSY');
  }

  /** Registers a cheap statement (`SELECT 1`) that is run every second while the database is away; returns its removal. */
  watch(probe: () => Promise<unknown>): () => void {
    this.probes.add(probe);
    return () => this.probes.delete(probe);
  }

  private probeWhileDown(): void {
    if (this.timer || this.since === null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const [probe] = this.probes;
      if (!probe || this.since === null) return;
      probe().then(
        () => this.succeeded(),
        () => this.probeWhileDown(),
      );
    }, PROBE_INTERVAL_MS);
    this.timer.unref();
  }
}

/** The process's database outage tracker. */
export const databaseOutage = new DatabaseOutage();

/**
 * The one mapping of infrastructure failures to answers, used by the HTTP exception filters, socket
 * acknowledgements, handshakes and the message writer: the database unreachable is 503 `DATABASE_UNAVAILABLE`
 * (and reported to `databaseOutage`), the pool exhausted while the database answers is 503 `SERVER_BUSY`, a lock
 * not granted in time is 503 `ROOM_BUSY`; all with `retryAfterSeconds`. Anything else: null (a bug: 500).
 */
export function serviceUnavailableOf(error: unknown): ServiceUnavailableError | null {
  if (error instanceof ServiceUnavailableError) return error;
  if (isDatabaseUnavailable(error)) {
    databaseOutage.failed(error);
    return databaseUnavailable();
  }
  if (isPoolExhausted(error)) {
    if (databaseOutage.down) return databaseUnavailable();
    databaseOutage.exhausted();
    return serverBusy('The server is busy: retry shortly');
  }
  if (isLockTimeout(error)) return roomBusy();
  return null;
}

export const serverBusy = (message: string, retryAfterSeconds = 1): ServiceUnavailableError => new ServiceUnavailableError('SERVER_BUSY' satisfies RetryLaterCode, message, retryAfterSeconds);
