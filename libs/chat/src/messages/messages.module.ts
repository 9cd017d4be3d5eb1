import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AuthModule } from '../auth/auth.module';
import { ImagesModule } from '../images/images.module';
import { MessageViewsModule } from './message-views.module';
import { MessagesController } from './messages.controller';
import { MessageTombstones } from './message-tombstones';
import { MessageWriter } from './message-writer.service';
import { MessagesService } from './messages.service';
import { PinsController } from './pins.controller';
import { PinsService } from './pins.service';
import { ReactionsController } from './reactions.controller';
import { ReactionsService } from './reactions.service';
import { ReadStateController } from './read-state.controller';
import { ReadStateService } from './read-state.service';

@Module({
  imports: [AuthModule, AccessModule, ImagesModule, MessageViewsModule],
  controllers: [MessagesController, ReactionsController, ReadStateController, PinsController],
  providers: [MessagesService, MessageWriter, MessageTombstones, ReactionsService, ReadStateService, PinsService],
  // MessageWriter: the gateway drains it on shutdown, after its own in-flight events and before closing sockets.
  // MessageTombstones: server administration deletes and erases messages the same way.
  exports: [MessagesService, ReadStateService, MessageWriter, MessageTombstones],
})
export class MessagesModule {}
