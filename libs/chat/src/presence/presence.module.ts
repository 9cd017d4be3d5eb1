import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { UserPresenceEntity } from './entities/user-presence.entity';
import { ChatConfig } from '../common/chat-config';
import { InMemoryPresenceStore } from './in-memory-presence.store';
import { PresenceController } from './presence.controller';
import { PRESENCE_STORE } from './presence-store';
import { PresenceService } from './presence.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserPresenceEntity]), AuthModule, AccessModule],
  controllers: [PresenceController],
  providers: [
    {
      provide: PRESENCE_STORE,
      inject: [ChatConfig],
      useFactory: (config: ChatConfig) => config.options.presence?.store ?? new InMemoryPresenceStore(),
    },
    PresenceService,
  ],
  // PRESENCE_STORE: the notifications ask it who is online anywhere (no push to a member with a live socket).
  exports: [PresenceService, PRESENCE_STORE],
})
export class PresenceModule {}
