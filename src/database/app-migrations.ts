import { Accounts1795318466537 } from './migrations/1795318466537-accounts';
import { RefreshTokens1796161879436 } from './migrations/1796161879436-refresh-tokens';

/** The standalone server's own migrations; they run after the library's. */
export const appMigrations = [Accounts1795318466537, RefreshTokens1796161879436];
