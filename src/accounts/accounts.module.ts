import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountTokenGuard } from './account-token.guard';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { AccountEntity } from './entities/account.entity';
import { UsersController } from './users.controller';

/** Local accounts of the standalone server: register, log in (tokens signed with JWT_SECRET), and find users. */
@Module({
  imports: [TypeOrmModule.forFeature([AccountEntity])],
  controllers: [AccountsController, UsersController],
  providers: [AccountsService, AccountTokenGuard],
})
export class AccountsModule {}
