import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ImagesModule } from '../images/images.module';
import { MessageEditEntity } from './entities/message-edit.entity';
import { MessageEntity } from './entities/message.entity';
import { ReactionEntity } from './entities/reaction.entity';
import { MessageViewsService } from './message-views.service';

/** Message rendering, for the messages routes, the rooms' previews and sync. */
@Module({
  imports: [TypeOrmModule.forFeature([MessageEntity, MessageEditEntity, ReactionEntity]), ImagesModule],
  providers: [MessageViewsService],
  exports: [MessageViewsService],
})
export class MessageViewsModule {}
