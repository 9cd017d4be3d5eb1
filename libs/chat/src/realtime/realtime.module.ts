import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AuthModule } from '../auth/auth.module';
import { MessagesModule } from '../messages/messages.module';
import { PresenceModule } from '../presence/presence.module';
import { UsersModule } from '../users/users.module';
import { ChatGateway } from './chat.gateway';
import { RealtimeFanout } from './realtime-fanout.service';
import { SocketAuthenticator } from './socket-authenticator';
import { SocketConnectionsService } from './socket-connections.service';
import { SocketRateLimiter } from './socket-rate-limiter';
import { SocketServerRef } from './socket-server.ref';
import { TypingService } from './typing.service';

@Module({
  imports: [AuthModule, AccessModule, MessagesModule, PresenceModule, UsersModule],
  providers: [ChatGateway, SocketServerRef, SocketAuthenticator, SocketConnectionsService, SocketRateLimiter, TypingService, RealtimeFanout],
})
export class RealtimeModule {}
