import { Accounts1795318466537 } from './migrations/1795318466537-accounts';

/** The standalone server's own migrations; they run after the library's. */
export const appMigrations = [Accounts1795318466537];
