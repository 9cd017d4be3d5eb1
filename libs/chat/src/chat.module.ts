import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule, type Provider } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { AdminModule } from './admin/admin.module';
import { ChatConfig } from './common/chat-config';
import {
  CHAT_MODULE_OPTIONS,
  CHAT_MODULE_PATH,
  ConfigurableChatModule,
  type CHAT_ASYNC_OPTIONS_TYPE,
  type CHAT_OPTIONS_TYPE,
} from './chat.module-definition';
import { DEFAULT_CHAT_PATH } from './chat.options';
import { ChatEventBus } from './events/chat-event-bus';
import { BlocksModule } from './blocks/blocks.module';
import { ImagesModule } from './images/images.module';
import { ChatRateLimiter } from './limits/chat-rate-limiter';
import { MembersModule } from './members/members.module';
import { ModerationModule } from './moderation/moderation.module';
import { MessagesController } from './messages/messages.controller';
import { MessageOutbox } from './messages/message-outbox';
import { MessagesModule } from './messages/messages.module';
import { DevicesModule } from './notifications/devices/devices.module';
import { NotificationDeliveryModule } from './notifications/outbox/notification-delivery.module';
import { NotificationsConfig } from './notifications/notifications-config';
import { ChatMetrics } from './metrics/chat-metrics';
import { SendMetricsMiddleware } from './metrics/send-metrics.middleware';
import { PresenceModule } from './presence/presence.module';
import { RealtimeModule } from './realtime/realtime.module';
import { RoomsModule } from './rooms/rooms.module';
import { SystemMessagesModule } from './messages/system-messages.module';

/** The feature modules whose controllers are mounted under the module's path. */
const FEATURE_MODULES = [RoomsModule, MembersModule, MessagesModule, ImagesModule, PresenceModule, RealtimeModule, DevicesModule, NotificationDeliveryModule, ModerationModule, AdminModule, BlocksModule];

/**
 * Holds what every feature module needs (the options, the resolved config, the event bus). It is global so the
 * feature modules can inject them without importing the facade, as @nestjs/typeorm's core module does; its
 * tokens are the library's own, so nothing of the host's is shadowed.
 */
@Module({})
class ChatCoreModule {}

/**
 * The chat module: the one module a host imports.
 *
 * ```ts
 * ChatModule.forRoot({ jwt: { secret: process.env.JWT_SECRET } })
 * ChatModule.forRootAsync({ path: 'chat', imports: [ConfigModule], inject: [ConfigService], useFactory: (config) => ({ ... }) })
 * ```
 * The host provides the TypeORM connection (with `chatEntities` and `chatMigrations`, or `autoLoadEntities`).
 */
@Module({})
export class ChatModule extends ConfigurableChatModule implements NestModule {
  static override forRoot(options: typeof CHAT_OPTIONS_TYPE): DynamicModule {
    return ChatModule.assemble(super.forRoot(options), options.path);
  }

  static override forRootAsync(options: typeof CHAT_ASYNC_OPTIONS_TYPE): DynamicModule {
    return ChatModule.assemble(super.forRootAsync(options), options.path);
  }

  /** HTTP sends are counted by status (`parley_message_sends_total`); socket sends by the gateway. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SendMetricsMiddleware).forRoutes(MessagesController);
  }

  /** Moves the option providers the builder made into the global core, and mounts the routes under `path`. */
  private static assemble(definition: DynamicModule, path: string = DEFAULT_CHAT_PATH): DynamicModule {
    const core: DynamicModule = {
      module: ChatCoreModule,
      global: true,
      imports: definition.imports ?? [],
      providers: [...((definition.providers ?? []) as Provider[]), { provide: CHAT_MODULE_PATH, useValue: path }, ChatConfig, NotificationsConfig, { provide: MessageOutbox, useFactory: (config: NotificationsConfig): MessageOutbox => ({ enabled: config.queueMessages }), inject: [NotificationsConfig] }, ChatEventBus, ChatRateLimiter, ChatMetrics],
      // ChatRateLimiter: the per-user limits, one instance for every route's ChatRateLimitGuard and the gateway.
      // NotificationsConfig: the checked `notifications` options (the message writer asks it, as MessageOutbox,
      // whether to queue work: the messages feature does not import the notifications feature).
      // ChatMetrics: the Prometheus instruments (injectable by the host, to serve `registry`).
      exports: [CHAT_MODULE_OPTIONS, ChatConfig, NotificationsConfig, MessageOutbox, ChatEventBus, ChatRateLimiter, ChatMetrics],
    };
    return {
      module: ChatModule,
      // The core is global, so the host can inject ChatEventBus (to follow domain events) without an export.
      imports: [core, RouterModule.register([{ path, module: ChatModule, children: FEATURE_MODULES }]), ...FEATURE_MODULES, SystemMessagesModule],
    };
  }
}
