import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { ChatAuthGuard } from './chat-auth.guard';
import { TokenVerifier } from './token-verifier';

@Module({
  imports: [UsersModule],
  providers: [TokenVerifier, ChatAuthGuard],
  exports: [TokenVerifier, ChatAuthGuard, UsersModule],
})
export class AuthModule {}
