import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ImagesModule } from '../images/images.module';
import { MessageEditEntity } from './entities/message-edit.entity';
import { MessageEntity } from './entities/message.entity';
import { ReactionEntity } from './entities/reaction.entity';
import { MessageViewsService } from './message-views.service';

/**
 * Message rendering on its own, below both rooms (previews) and messages, so neither depends on the other
 * for it.
 */
@Module({
  imports: [TypeOrmModule.forFeature([MessageEntity, MessageEditEntity, ReactionEntity]), ImagesModule],
  providers: [MessageViewsService],
  exports: [MessageViewsService, ImagesModule],
})
export class MessageViewsModule {}
