import { Global, Module } from '@nestjs/common';
import { SystemMessages } from '../common/system-messages';
import { UsersModule } from '../users/users.module';
import { MessageViewsModule } from './message-views.module';
import { SystemMessageWriter } from './system-message-writer.service';

/**
 * Provides SystemMessages to every feature (rooms, members, moderation). Global, because the features that record
 * changes sit below the messages feature and must not import it.
 */
@Global()
@Module({
  imports: [UsersModule, MessageViewsModule],
  providers: [{ provide: SystemMessages, useClass: SystemMessageWriter }],
  exports: [SystemMessages],
})
export class SystemMessagesModule {}
