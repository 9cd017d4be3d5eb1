import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatUserEntity } from './entities/chat-user.entity';
import { ServerBanCheck } from './server-ban-check';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([ChatUserEntity])],
  providers: [UsersService, ServerBanCheck],
  exports: [UsersService, ServerBanCheck],
})
export class UsersModule {}
