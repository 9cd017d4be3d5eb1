import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AccountAdmins } from './account-admins';
import { AccountDirectory } from './account-directory';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { AccountEntity } from './entities/account.entity';
import { RefreshTokens } from './refresh-tokens';
import { UsersController } from './users.controller';

/**
 * Local accounts of the standalone server: register, log in (tokens signed with JWT_SECRET), renew with refresh
 * tokens, log out, and find users. The user search is guarded by the chat library's `ChatAuthGuard` (its AuthModule
 * is global), not a copy of it.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([AccountEntity]),
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: ({ jwt: { secret, issuer, audience }, tokenTtlSeconds }: AppConfig) => ({
        secret,
        signOptions: { algorithm: 'HS256', expiresIn: tokenTtlSeconds, ...(issuer && { issuer }), ...(audience && { audience }) },
      }),
    }),
  ],
  controllers: [AccountsController, UsersController],
  providers: [AccountsService, AccountDirectory, AccountAdmins, RefreshTokens],
  // AccountDirectory: the chat's resolveUsers when KNOWN_USERS_ONLY is set (AppModule); AccountAdmins: its isAdmin.
  exports: [AccountDirectory, AccountAdmins],
})
export class AccountsModule {}
