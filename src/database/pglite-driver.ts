/**
 * Embedded PostgreSQL for TypeORM: a stand-in for the `pg` module that TypeORM's `postgres` driver accepts
 * through its `driver` option, backed by PGlite (PostgreSQL compiled to WASM, running in this process).
 *
 * PGlite has exactly one database session. A `pg` pool hands out several connections and every TypeORM query
 * runner (one transaction) gets its own, so sharing PGlite's session naively lets concurrent transactions
 * interleave: one transaction's ROLLBACK undoes another's work. This module therefore exposes a pool of size one:
 * the session is lent to one client at a time, waiting clients are served in FIFO order, and the session is
 * only handed on once the previous borrower has released it and no transaction is left open on it.
 *
 * Values are converted with node-postgres' own code (`pg.types` for results, `prepareValue` for parameters)
 * so that entities behave the same here as on a real server reached through `pg`: int8 and numeric come back
 * as strings, timestamps as Date, json/jsonb parsed, bool as boolean, bytea as Buffer, arrays parsed alike.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ParserOptions, QueryOptions, Results, SerializerOptions } from '@electric-sql/pglite';
import type { DataSourceOptions } from 'typeorm';

export interface EmbeddedDatabaseOptions {
  /** Directory holding the database files; created if missing. Undefined or `memory://` keeps it in memory. */
  dataDir?: string;
}

/** The subset of pg's `Result` that TypeORM reads. */
export interface PgliteQueryResult {
  /** First word of the command tag ("SELECT", "INSERT", "UPDATE", "CREATE", ...), null for an empty query. */
  command: string | null;
  /** Row count from the command tag (affected rows for INSERT/UPDATE/DELETE, returned rows for SELECT), else null. */
  rowCount: number | null;
  rows: Record<string, unknown>[];
  fields: { name: string; dataTypeID: number }[];
}

/** What `client.query` resolves to: one result per statement, unwrapped when there is a single one (as pg does). */
export type PgliteQueryResponse = PgliteQueryResult | PgliteQueryResult[];

type QueryCallback = (err: Error | null, result?: PgliteQueryResponse) => void;
type ReleaseFn = (err?: Error | boolean) => void;
type ConnectCallback = (err: Error | null, client?: PgliteClient, release?: ReleaseFn) => void;

/** Options pg's Pool receives from TypeORM; only the connection timeout has a meaning here. */
export interface PglitePoolConfig {
  /** Reject `connect()` if the session is not obtained within this many milliseconds (0 or unset: wait forever). */
  connectionTimeoutMillis?: number;
  [option: string]: unknown;
}

/** The fake `pg` module handed to TypeORM. */
export interface PgliteDriverModule {
  Pool: new (config?: PglitePoolConfig) => PglitePool;
}

type PostgresDataSourceOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

/** DataSource options that make TypeORM's `postgres` driver run on PGlite; spread them into the full options. */
export type EmbeddedDataSourceOptions = Pick<
  PostgresDataSourceOptions,
  'type' | 'driver' | 'installExtensions' | 'uuidExtension' | 'poolSize' | 'connectTimeoutMS'
>;

// node-postgres ships without type declarations (and @types/pg is not a dependency), so the two pieces borrowed
// from it are typed by hand. Both are public: `pg.types` is pg's documented type-parser registry, and
// `pg/lib/utils` is listed in pg's package exports.
interface PgTypeRegistry {
  getTypeParser(oid: number, format: 'text'): (value: string) => unknown;
  builtins: Record<string, number>;
}
const pgTypes = (require('pg') as { types: PgTypeRegistry }).types;
const { prepareValue } = require('pg/lib/utils') as { prepareValue: (value: unknown) => unknown };

/** Data directories opened by a pool in this process: two PGlite instances on one directory would corrupt it. */
const openDataDirs = new Set<string>();

/** Absolute path of an on-disk data directory (PGlite also accepts a `file://` prefix), undefined for memory. */
function diskPath(dataDir: string | undefined): string | undefined {
  if (!dataDir || dataDir.startsWith('memory://')) return undefined;
  return resolvePath(dataDir.startsWith('file://') ? dataDir.slice('file://'.length) : dataDir);
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * PGlite decorates its DatabaseError with the query, its parameters and the query options (our parser tables).
 * TypeORM's QueryFailedError copies every property of the driver error onto itself, so strip those to give the
 * error the same shape as pg's DatabaseError (code, detail, constraint, table, ... are kept).
 */
function asDriverError(value: unknown): Error {
  const error = toError(value);
  const decorated = error as Error & { query?: unknown; params?: unknown; queryOptions?: unknown };
  delete decorated.query;
  delete decorated.params;
  delete decorated.queryOptions;
  return error;
}

/** pg's parameter conversion, except that Buffers go as bytea hex text because PGlite binds text values only. */
function toParameter(value: unknown): string | null {
  const prepared = prepareValue(value);
  if (prepared === null || prepared === undefined) return null;
  if (Buffer.isBuffer(prepared)) return `\\x${prepared.toString('hex')}`;
  return String(prepared);
}

function toPgResult(result: Results): PgliteQueryResult {
  return {
    command: result.command ?? null,
    rowCount: result.rowCount ?? null,
    rows: result.rows as Record<string, unknown>[],
    fields: result.fields,
  };
}

/**
 * Parser and serializer tables passed with every query. PGlite only applies per-query parsers to the type oids
 * listed, so the tables cover every oid PGlite has its own converter for (its built-ins plus all array types)
 * and every oid pg knows. Parsers look the pg parser up on each call so `pg.types.setTypeParser` overrides made
 * by the application apply here as they would with pg. Parameters arrive already converted to text by
 * `toParameter`, so serializers pass them through instead of letting PGlite convert them a second time.
 */
function conversionTables(db: PGlite): { parsers: ParserOptions; serializers: SerializerOptions } {
  const oids = (keys: string[]): number[] => keys.map(Number).filter((oid) => Number.isInteger(oid));
  const parsers: ParserOptions = {};
  for (const oid of new Set([...oids(Object.keys(db.parsers)), ...Object.values(pgTypes.builtins)])) {
    parsers[oid] = (value: string) => pgTypes.getTypeParser(oid, 'text')(value);
  }
  const serializers: SerializerOptions = {};
  for (const oid of oids(Object.keys(db.serializers))) {
    serializers[oid] = (value: unknown) => String(value);
  }
  return { parsers, serializers };
}

/** The single PGlite session, opened on first use and closed by `PglitePool.end()`. */
class PgliteSession {
  private opening?: Promise<{ db: PGlite; options: QueryOptions }>;
  private lockedDir?: string;
  private opened = false;

  constructor(private readonly dataDir: string | undefined) {}

  get isOpen(): boolean {
    return this.opened;
  }

  /** Opens PGlite once; a failed attempt is forgotten so that a later `connect()` retries. */
  open(): Promise<{ db: PGlite; options: QueryOptions }> {
    this.opening ??= this.boot().catch((error: unknown) => {
      this.opening = undefined;
      this.unlockDir();
      throw toError(error);
    });
    return this.opening;
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (!opening) return;
    try {
      // A session that failed to open has nothing to close (and already reported its error to `connect()`).
      const db = await opening.then(
        (session) => session.db,
        () => undefined,
      );
      if (db && !db.closed) await db.close();
    } finally {
      this.opened = false;
      this.unlockDir();
    }
  }

  private async boot(): Promise<{ db: PGlite; options: QueryOptions }> {
    const dir = diskPath(this.dataDir);
    if (dir) {
      if (openDataDirs.has(dir)) {
        throw new Error(`The embedded database in ${dir} is already open in this process`);
      }
      openDataDirs.add(dir);
      this.lockedDir = dir;
      mkdirSync(dir, { recursive: true });
    }
    const db = await PGlite.create(dir);
    this.opened = true;
    return { db, options: conversionTables(db) };
  }

  private unlockDir(): void {
    if (this.lockedDir) openDataDirs.delete(this.lockedDir);
    this.lockedDir = undefined;
  }
}

/**
 * A loan of the session, playing the part of pg's pooled `Client`. A fresh object is lent for every `connect()`
 * so that a client kept after `release()` can no longer reach the session now lent to someone else.
 * Emits 'notice' for server notices; never emits 'error' (failures reject the query instead).
 */
export class PgliteClient extends EventEmitter {
  private released = false;
  /** Queries of this client run one after another, like pg's per-client queue; never rejects. */
  private tail: Promise<unknown> = Promise.resolve();
  private readonly queryOptions: QueryOptions;

  constructor(
    private readonly db: PGlite,
    options: QueryOptions,
    private readonly onRelease: (client: PgliteClient, err: Error | undefined) => void,
  ) {
    super();
    this.queryOptions = { ...options, onNotice: (notice) => this.emit('notice', notice) };
  }

  query(text: string, values?: unknown[]): Promise<PgliteQueryResponse>;
  query(text: string, callback: QueryCallback): void;
  query(text: string, values: unknown[] | undefined, callback: QueryCallback): void;
  query(config: { text: string; values?: unknown[] }, callback?: QueryCallback): Promise<PgliteQueryResponse> | void;
  query(
    textOrConfig: string | { text: string; values?: unknown[] },
    valuesOrCallback?: unknown[] | QueryCallback,
    maybeCallback?: QueryCallback,
  ): Promise<PgliteQueryResponse> | void {
    const callback = typeof valuesOrCallback === 'function' ? valuesOrCallback : maybeCallback;
    const result = this.enqueue(textOrConfig, typeof valuesOrCallback === 'function' ? undefined : valuesOrCallback);
    if (!callback) return result;
    // As pg does, call back outside the promise chain: an exception thrown by the callback then surfaces as
    // such instead of turning into an unhandled rejection.
    result.then(
      (value) => process.nextTick(callback, null, value),
      (error: Error) => process.nextTick(callback, error),
    );
  }

  /** Gives the session back to the pool. A second call is ignored, so the session can never be freed twice. */
  release(err?: Error | boolean): void {
    if (this.released) return;
    this.released = true;
    const error = err instanceof Error ? err : err ? new Error('Client released with an error') : undefined;
    this.onRelease(this, error);
  }

  /** Resolves once every query issued through this client has finished. */
  settled(): Promise<unknown> {
    return this.tail;
  }

  private enqueue(
    textOrConfig: string | { text: string; values?: unknown[] },
    values: unknown[] | undefined,
  ): Promise<PgliteQueryResponse> {
    if (this.released) {
      return Promise.reject(new Error('Client was released to the pool and can no longer be queried'));
    }
    const text = typeof textOrConfig === 'string' ? textOrConfig : textOrConfig?.text;
    // pg "submittables" (cursors, pg-query-stream) carry a text too but expect to drive the connection themselves.
    const isSubmittable = typeof (textOrConfig as { submit?: unknown })?.submit === 'function';
    if (typeof text !== 'string' || isSubmittable) {
      return Promise.reject(new Error('The embedded database driver only supports text queries'));
    }
    const params = typeof textOrConfig === 'string' ? values : (textOrConfig.values ?? values);
    const result = this.tail.then(() => this.execute(text, params));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async execute(text: string, values: unknown[] | undefined): Promise<PgliteQueryResponse> {
    try {
      if (values && values.length > 0) {
        return toPgResult(await this.db.query(text, values.map(toParameter), this.queryOptions));
      }
      // Like pg, a query without parameters goes through the simple-query protocol, which accepts several
      // statements in one text (migrations do that) and yields one result per statement.
      const results = (await this.db.exec(text, this.queryOptions)).map(toPgResult);
      return results.length === 1 ? results[0] : results;
    } catch (error) {
      throw asDriverError(error);
    }
  }
}

interface Waiter {
  grant(client: PgliteClient): void;
  fail(error: Error): void;
}

/**
 * pg-compatible pool over the single PGlite session: at most one client out at a time, waiters served FIFO.
 * Emits 'error' (only if someone listens) when cleaning up a released session fails.
 */
export class PglitePool extends EventEmitter {
  private readonly waiters: Waiter[] = [];
  /** True from the moment the session is lent until it is cleaned up after release. */
  private busy = false;
  private lent?: PgliteClient;
  private ending?: Promise<void>;
  private readonly idleListeners: (() => void)[] = [];
  private readonly connectionTimeoutMillis: number;
  private readonly session: PgliteSession;

  constructor(config: PglitePoolConfig = {}, options: EmbeddedDatabaseOptions = {}) {
    super();
    this.connectionTimeoutMillis = config.connectionTimeoutMillis ?? 0;
    this.session = new PgliteSession(options.dataDir);
  }

  /** pg-pool's counters, for diagnostics: the one session, once opened, is either lent or idle. */
  get totalCount(): number {
    return this.session.isOpen ? 1 : 0;
  }

  get idleCount(): number {
    return this.session.isOpen && !this.busy ? 1 : 0;
  }

  get waitingCount(): number {
    return this.waiters.length;
  }

  get ended(): boolean {
    return this.ending !== undefined;
  }

  connect(): Promise<PgliteClient>;
  connect(callback: ConnectCallback): void;
  connect(callback?: ConnectCallback): Promise<PgliteClient> | void {
    const lent = new Promise<PgliteClient>((grant, fail) => {
      if (this.ending) {
        fail(new Error('Cannot use a pool after calling end on the pool'));
        return;
      }
      const waiter: Waiter = { grant, fail };
      if (this.connectionTimeoutMillis > 0) {
        const timer = setTimeout(() => {
          const index = this.waiters.indexOf(waiter);
          if (index === -1) return;
          this.waiters.splice(index, 1);
          fail(new Error('timeout exceeded when trying to connect'));
        }, this.connectionTimeoutMillis);
        waiter.grant = (client) => {
          clearTimeout(timer);
          grant(client);
        };
        waiter.fail = (error) => {
          clearTimeout(timer);
          fail(error);
        };
      }
      this.waiters.push(waiter);
      this.lendNext();
    });
    if (!callback) return lent;
    lent.then(
      (client) => process.nextTick(callback, null, client, (err?: Error | boolean) => client.release(err)),
      (error: Error) => process.nextTick(callback, error),
    );
  }

  /** Waits for the client out on loan to be released (as pg-pool does), then closes PGlite. Idempotent. */
  end(callback?: (err?: Error) => void): Promise<void> | void {
    this.ending ??= this.shutDown();
    if (!callback) return this.ending;
    this.ending.then(
      () => process.nextTick(callback),
      (error: Error) => process.nextTick(callback, error),
    );
  }

  private async shutDown(): Promise<void> {
    const error = new Error('Cannot use a pool after calling end on the pool');
    for (const waiter of this.waiters.splice(0)) waiter.fail(error);
    if (this.busy) await new Promise<void>((resolve) => this.idleListeners.push(resolve));
    await this.session.close();
  }

  private lendNext(): void {
    if (this.busy || this.ending) return;
    const waiter = this.waiters.shift();
    if (!waiter) return;
    this.busy = true;
    this.session.open().then(
      ({ db, options }) => {
        if (this.ending) {
          waiter.fail(new Error('Cannot use a pool after calling end on the pool'));
          this.becomeIdle();
          return;
        }
        this.lent = new PgliteClient(db, options, (client, err) => void this.reclaim(db, client, err));
        waiter.grant(this.lent);
      },
      (error: Error) => {
        waiter.fail(error);
        this.becomeIdle();
      },
    );
  }

  /**
   * Takes the session back from a released client. Its queries are allowed to finish first; then, if it left a
   * transaction open (or released with an error, as TypeORM does for a broken connection), that transaction is
   * rolled back so that the next borrower starts clean. ROLLBACK outside a transaction only raises a warning.
   */
  private async reclaim(db: PGlite, client: PgliteClient, err: Error | undefined): Promise<void> {
    if (client !== this.lent) return;
    try {
      await client.settled();
      if (!db.closed && (err !== undefined || db.isInTransaction())) {
        await db.exec('ROLLBACK');
      }
    } catch (error) {
      if (this.listenerCount('error') > 0) this.emit('error', toError(error));
    } finally {
      this.lent = undefined;
      this.becomeIdle();
    }
  }

  private becomeIdle(): void {
    this.busy = false;
    for (const listener of this.idleListeners.splice(0)) listener();
    this.lendNext();
  }
}

/**
 * Builds the `pg` replacement to pass as TypeORM's `driver` option. Each pool created from it (one per
 * DataSource initialisation) opens its own PGlite on first `connect()` and closes it on `end()`.
 */
export function createPgliteDriver(options: EmbeddedDatabaseOptions = {}): PgliteDriverModule {
  return {
    Pool: class extends PglitePool {
      constructor(config?: PglitePoolConfig) {
        super(config, options);
      }
    },
  };
}

/**
 * DataSource options running TypeORM's `postgres` driver on an embedded PGlite database. PGlite bundles no
 * extensions by default, so TypeORM must not try to create them; uuid primary keys use `gen_random_uuid()`,
 * which is built into PostgreSQL since version 13 (TypeORM uses it when `uuidExtension` is 'pgcrypto').
 *
 * `connectTimeoutMS` bounds the wait for the single session. Code that needs a second connection while holding
 * one (a query through the global manager inside a transaction, say) works with a real pool but can never be
 * served here; the timeout turns that deadlock into an error instead of a database that hangs for good.
 */
export function embeddedDataSourceOptions(dataDir?: string): EmbeddedDataSourceOptions {
  return {
    type: 'postgres',
    driver: createPgliteDriver({ dataDir }),
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    poolSize: 1,
    connectTimeoutMS: 30_000,
  };
}
