import { Module } from '@nestjs/common';
import { RoomsModule } from '../rooms/rooms.module';
import { MessagesController } from './messages.controller';
import { MessageWriter } from './message-writer.service';
import { MessagesService } from './messages.service';
import { PinsController } from './pins.controller';
import { PinsService } from './pins.service';
import { ReactionsController } from './reactions.controller';
import { ReactionsService } from './reactions.service';
import { ReadStateController } from './read-state.controller';
import { ReadStateService } from './read-state.service';
import { SyncController } from './sync.controller';
import { SyncService } from './sync.service';

@Module({
  imports: [RoomsModule],
  controllers: [MessagesController, ReactionsController, ReadStateController, PinsController, SyncController],
  providers: [MessagesService, MessageWriter, ReactionsService, ReadStateService, PinsService, SyncService],
  exports: [MessagesService, ReadStateService],
})
export class MessagesModule {}
