import { Module } from '@nestjs/common';
import { MessageViewsModule } from '../../messages/message-views.module';
import { MessagesModule } from '../../messages/messages.module';
import { PresenceModule } from '../../presence/presence.module';
import { UsersModule } from '../../users/users.module';
import { NotificationRecipients } from '../recipients/notification-recipients';
import { DeliveryWorker } from './delivery-worker';
import { NotificationSignals } from './notification-signals';
import { OutboxDispatcher } from './outbox-dispatcher';
import { OutboxEventsListener } from './outbox-events.listener';

/**
 * The background side of notifications: domain events into the outbox, the outbox into deliveries (who is notified),
 * deliveries to FCM, Web Push, the webhook and the host's drivers. Idle when nothing is configured.
 */
@Module({
  // MessagesModule: the MessageWriter, whose sends go before the deliveries (SendPathPriority).
  imports: [MessageViewsModule, MessagesModule, PresenceModule, UsersModule],
  providers: [NotificationSignals, NotificationRecipients, OutboxEventsListener, OutboxDispatcher, DeliveryWorker],
  exports: [OutboxDispatcher, DeliveryWorker],
})
export class NotificationDeliveryModule {}
