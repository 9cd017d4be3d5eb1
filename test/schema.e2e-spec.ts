import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DATABASES, startTestApp, type TestApp } from './support/test-app';

/** The migrations are the only way the schema changes: they must build exactly what the entities describe. */
describe.each(DATABASES)('schema (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('matches the entities after the migrations, with nothing left to generate', async () => {
    const dataSource = t.app.get<DataSource>(getDataSourceToken());
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
    expect(await dataSource.showMigrations()).toBe(false);
  });
});
