import { Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module';
import { RoomsModule } from '../rooms/rooms.module';
import { ChatGateway } from './chat.gateway';
import { RealtimeFanout } from './realtime-fanout.service';
import { SocketAuthenticator } from './socket-authenticator';
import { SocketConnectionsService } from './socket-connections.service';
import { SocketRateLimiter } from './socket-rate-limiter';
import { SocketServerRef } from './socket-server.ref';
import { TypingService } from './typing.service';

@Module({
  imports: [RoomsModule, MessagesModule],
  providers: [ChatGateway, SocketServerRef, SocketAuthenticator, SocketConnectionsService, SocketRateLimiter, TypingService, RealtimeFanout],
})
export class RealtimeModule {}
