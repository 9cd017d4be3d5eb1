import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatUserEntity } from './entities/chat-user.entity';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([ChatUserEntity])],
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
