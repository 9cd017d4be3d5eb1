import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app-config';
import { databaseOptions } from './src/database/database-options';

/**
 * The DataSource of the TypeORM CLI (`npm run migration:run`, `migration:generate`, ...), configured like the
 * server: DATABASE_URL for PostgreSQL, the embedded database in DATA_DIR otherwise.
 */
export default new DataSource(databaseOptions(loadConfig()) as ConstructorParameters<typeof DataSource>[0]);
