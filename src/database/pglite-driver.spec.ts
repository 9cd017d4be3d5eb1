import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Column, DataSource, Entity, PrimaryGeneratedColumn, QueryFailedError } from 'typeorm';
import {
  embeddedDataSourceOptions,
  type PgliteClient,
  type PglitePool,
  type PgliteQueryResponse,
  type PgliteQueryResult,
} from './pglite-driver';

@Entity('ledger_entry')
class LedgerEntry {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar' })
  batch: string;

  @Column({ type: 'varchar', nullable: true, unique: true })
  slug: string | null;

  @Column({ type: 'int8', default: 0 })
  amount: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 1000 && !condition(); attempt++) await delay(1);
  if (!condition()) throw new Error('condition not met in time');
}

function single(response: PgliteQueryResponse): PgliteQueryResult {
  if (Array.isArray(response)) throw new Error(`expected one result, got ${response.length}`);
  return response;
}

describe('PGlite driver for TypeORM', () => {
  // One PGlite instance (on disk, so that persistence can be checked at the end) for the whole file: it takes
  // seconds to boot.
  const dataDir = mkdtempSync(join(tmpdir(), 'pglite-driver-'));
  let dataSource: DataSource;

  const openDataSource = async () => {
    const source = await new DataSource({
      ...embeddedDataSourceOptions(dataDir),
      // Short, so that the deadlock test below fails quickly; still far above any legitimate wait in this file.
      connectTimeoutMS: 1500,
      entities: [LedgerEntry],
    }).initialize();
    // The test table, made by hand like every schema of the project (never by TypeORM's synchronize).
    await source.query(`CREATE TABLE IF NOT EXISTS ledger_entry (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(), batch varchar NOT NULL, slug varchar UNIQUE,
      amount int8 NOT NULL DEFAULT 0, at timestamptz NOT NULL DEFAULT now())`);
    return source;
  };
  const pool = () => (dataSource.driver as unknown as { master: PglitePool }).master;
  const entries = () => dataSource.getRepository(LedgerEntry);

  beforeAll(async () => {
    dataSource = await openDataSource();
  });

  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps concurrent transactions apart: the rolled-back ones leave nothing behind', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        dataSource.transaction(async (manager) => {
          await manager.insert(LedgerEntry, { batch: 'concurrent', amount: String(i) });
          await delay(5); // would let the other transactions interleave on a shared session
          await manager.insert(LedgerEntry, { batch: 'concurrent', amount: String(i) });
          if (i % 2 === 1) throw new Error(`transaction ${i} fails`);
        }),
      ),
    );

    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(5);
    const rows = await entries().findBy({ batch: 'concurrent' });
    expect(rows).toHaveLength(10);
    expect(rows.map((row) => row.amount).sort()).toEqual(['0', '0', '2', '2', '4', '4', '6', '6', '8', '8']);
  });

  it('serialises transactions in FIFO order, so none sees rows another has not committed', async () => {
    const order: string[] = [];
    const aInserted = deferred();
    const finishA = deferred();

    const a = dataSource.transaction(async (manager) => {
      order.push('A begins');
      await manager.insert(LedgerEntry, { batch: 'fifo' });
      aInserted.resolve();
      await finishA.promise;
      order.push('A rolls back');
      throw new Error('A gives up');
    });
    await aInserted.promise;

    // Queue three more users of the session, one at a time so that their arrival order is known.
    const b = dataSource.transaction(async (manager) => {
      order.push('B begins');
      order.push(`B sees ${await manager.countBy(LedgerEntry, { batch: 'fifo' })}`);
      await manager.insert(LedgerEntry, { batch: 'fifo' });
    });
    await waitFor(() => pool().waitingCount === 1);
    const c = dataSource.transaction(async (manager) => {
      order.push('C begins');
      order.push(`C sees ${await manager.countBy(LedgerEntry, { batch: 'fifo' })}`);
    });
    await waitFor(() => pool().waitingCount === 2);
    const outside = entries()
      .countBy({ batch: 'fifo' })
      .then((count) => order.push(`outside sees ${count}`));
    await waitFor(() => pool().waitingCount === 3);

    await delay(20);
    expect(order).toEqual(['A begins']);

    finishA.resolve();
    await expect(a).rejects.toThrow('A gives up');
    await Promise.all([b, c, outside]);
    expect(order).toEqual(['A begins', 'A rolls back', 'B begins', 'B sees 0', 'C begins', 'C sees 1', 'outside sees 1']);
  });

  it('fails, rather than hangs, when a transaction waits for a second connection', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        await manager.insert(LedgerEntry, { batch: 'nested' });
        await entries().count(); // the global manager needs a session of its own: only the pool of one exists
      }),
    ).rejects.toThrow('timeout exceeded when trying to connect');
    expect(await entries().countBy({ batch: 'nested' })).toBe(0);
  });

  it('reports a failing statement as a rejected promise and keeps working', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await expect(dataSource.query('CREATE EXTENSION does_not_exist')).rejects.toBeInstanceOf(QueryFailedError);

      // The callback style TypeORM uses for CREATE EXTENSION (driver.executeQuery) gets the error too.
      const client = await pool().connect();
      const error = await new Promise<Error | null>((resolve) =>
        client.query('CREATE EXTENSION does_not_exist', (err) => resolve(err)),
      );
      client.release();
      expect(error?.message).toMatch(/does_not_exist/);

      // A failure inside a transaction aborts only that transaction.
      await expect(
        dataSource.transaction(async (manager) => {
          await manager.insert(LedgerEntry, { batch: 'failing' });
          await manager.query('SELECT 1 / 0');
        }),
      ).rejects.toThrow('division by zero');

      await expect(dataSource.query('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
      expect(await entries().countBy({ batch: 'failing' })).toBe(0);
      await delay(10);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('returns affected-row counts and pg-compatible values', async () => {
    const at = new Date('2024-05-06T07:08:09.123Z');
    const beyondSafeInteger = '9007199254740993';
    await entries().insert([
      { batch: 'counts', amount: beyondSafeInteger, at },
      { batch: 'counts', amount: '1', at },
    ]);

    const stored = await entries().findOneByOrFail({ batch: 'counts', amount: beyondSafeInteger });
    expect(stored.amount).toBe(beyondSafeInteger);
    expect(stored.at).toBeInstanceOf(Date);
    expect(stored.at.toISOString()).toBe(at.toISOString());
    expect(stored.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    expect((await entries().update({ batch: 'counts' }, { amount: '5' })).affected).toBe(2);
    const returned = await entries()
      .createQueryBuilder()
      .update()
      .set({ amount: () => 'amount + 1' })
      .where('batch = :batch', { batch: 'counts' })
      .returning(['amount'])
      .execute();
    expect(returned.affected).toBe(2);
    expect(returned.raw).toEqual([{ amount: '6' }, { amount: '6' }]);
    expect((await entries().update({ batch: 'nothing matches' }, { amount: '0' })).affected).toBe(0);
    expect((await entries().delete({ batch: 'counts' })).affected).toBe(2);

    const [values] = await dataSource.query(
      'SELECT $1::int8 AS big, 1.50::numeric AS price, true AS flag, $2::jsonb AS doc, $3::timestamptz AS at',
      [beyondSafeInteger, { nested: [1, 'two'] }, at],
    );
    expect(values).toEqual({ big: beyondSafeInteger, price: '1.50', flag: true, doc: { nested: [1, 'two'] }, at });
  });

  it('surfaces unique violations with the PostgreSQL error code, as pg does', async () => {
    await entries().insert({ batch: 'unique', slug: 'taken' });
    const failure: unknown = await entries()
      .insert({ batch: 'unique', slug: 'taken' })
      .then(
        () => undefined,
        (error: unknown) => error,
      );

    expect(failure).toBeInstanceOf(QueryFailedError);
    const driverError = (failure as QueryFailedError<Error & { code?: string; constraint?: string }>).driverError;
    expect(driverError.code).toBe('23505');
    expect(driverError.constraint).toBe('ledger_entry_slug_key');
    expect(driverError).not.toHaveProperty('queryOptions');
  });

  it('lends the session to one client at a time and ignores a second release', async () => {
    const first = await pool().connect();
    first.release();
    const second = await pool().connect();
    first.release(); // a late duplicate must not free the session now lent to `second`
    await expect(first.query('SELECT 1')).rejects.toThrow(/released/);

    let thirdGranted = false;
    const third = pool()
      .connect()
      .then((client) => {
        thirdGranted = true;
        return client;
      });
    await delay(20);
    expect(thirdGranted).toBe(false);
    expect(pool().waitingCount).toBe(1);

    second.release();
    (await third).release();
  });

  it.each([
    ['with an error', new Error('connection broken')],
    ['without an error', undefined],
  ])('rolls back a transaction left open by a client released %s', async (_, releaseError) => {
    const abandoning = await pool().connect();
    await abandoning.query('BEGIN');
    await abandoning.query('INSERT INTO ledger_entry (batch) VALUES ($1)', ['abandoned']);
    abandoning.release(releaseError);

    const next: PgliteClient = await pool().connect();
    try {
      const count = single(await next.query('SELECT count(*) AS n FROM ledger_entry WHERE batch = $1', ['abandoned']));
      expect(count.rows).toEqual([{ n: '0' }]);
    } finally {
      next.release();
    }
  });

  it('runs parameterless multi-statement text through the simple protocol, one result per statement', async () => {
    const client = await pool().connect();
    try {
      const results = await client.query(
        `-- what a migration might send
         CREATE TABLE scratch (id int PRIMARY KEY, label text);
         INSERT INTO scratch VALUES (1, 'a'), (2, 'b');
         UPDATE scratch SET label = 'c' WHERE id = 1;
         SELECT * FROM scratch ORDER BY id;
         DROP TABLE scratch;`,
      );
      expect(Array.isArray(results) && results.map(({ command, rowCount }) => ({ command, rowCount }))).toEqual([
        { command: 'CREATE', rowCount: null },
        { command: 'INSERT', rowCount: 2 },
        { command: 'UPDATE', rowCount: 1 },
        { command: 'SELECT', rowCount: 2 },
        { command: 'DROP', rowCount: null },
      ]);
      expect(single(await client.query('SELECT 1 AS one', [])).rows).toEqual([{ one: 1 }]);
    } finally {
      client.release();
    }
  });

  it('keeps the data directory across close and reopen, and refuses to open it twice', async () => {
    await entries().insert({ batch: 'persisted', amount: '42' });
    await expect(openDataSource()).rejects.toThrow(/already open/);

    await dataSource.destroy();
    dataSource = await openDataSource();

    const rows = await entries().findBy({ batch: 'persisted' });
    expect(rows.map((row) => row.amount)).toEqual(['42']);
  });
});
