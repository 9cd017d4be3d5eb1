/**
 * The public API of @parley/chat. Nothing that is not exported here is promised.
 */

// The module and its options (hooks included).
export { ChatModule } from './chat.module';
export { DEFAULT_CHAT_LIMITS, DEFAULT_CHAT_PATH, DEFAULT_CHAT_RATE_LIMITS } from './chat.options';
export type {
  ChatImageOptions,
  ChatJwtOptions,
  ChatLimits,
  ChatMessageOptions,
  ChatMetricsOptions,
  ChatModuleExtras,
  ChatModuleOptions,
  ChatRateLimit,
  ChatRateLimitKind,
  ChatRateLimitOptions,
  ChatRateLimits,
  ChatRealtimeOptions,
  ChatUserProfile,
  MessageSendContext,
  MessageSendDecision,
  RoomAccessContext,
} from './chat.options';
export type { ChatPrincipal } from './auth/chat-principal';

// Notifications: the options' types, the host's own notifier (APNs, e-mail...) and the options check.
export type {
  ChatFcmOptions,
  ChatNotificationDeliveryOptions,
  ChatNotificationsOptions,
  ChatWebhookOptions,
  ChatWebPushOptions,
  FcmServiceAccount,
} from './chat.options';
export type { ChatNotification, ChatNotificationDevice, NotificationDriver } from './notifications/notification-driver';
export { DEFAULT_WEBPUSH_HOSTS, WEBHOOK_EVENT_TYPES, validateNotificationsOptions } from './notifications/notifications-config';
export { webhookSignature } from './notifications/drivers/webhook.sender';

// Authentication for the host's own routes: `@UseGuards(ChatAuthGuard)` authenticates like the chat routes (strategy
// `parley-jwt` or `parley-host`) and `@CurrentUser()` gives that caller, a ChatPrincipal (`request.user` is untouched).
export { ChatAuthGuard } from './auth/chat-auth.guard';
export { CurrentUser } from './auth/current-user.decorator';
// A permission outside rooms for the host's own routes, after ChatAuthGuard: `@RequireUser('account.search')` refuses
// guests (403 GUEST_NOT_ALLOWED).
export { RequireUser } from './access/require-user.decorator';
export type { UserPermission } from './access/user-permission';

// The host's database: add these to its DataSource.
export { chatEntities } from './database/chat-entities';
export { chatMigrations } from './database/chat-migrations';

// Pluggable infrastructure: image storage, presence, the Socket.IO adapter (with Redis for many nodes).
export type { ChatStorageDriver, ChatStoredObjectMetadata } from './images/storage/chat-storage-driver';
export type { PresenceStore } from './presence/presence-store';
export { PRESENCE_STORE } from './presence/presence-store';
export { InMemoryPresenceStore } from './presence/in-memory-presence.store';
export { RedisPresenceStore } from './presence/redis-presence.store';
export type { PresenceRedisClient, RedisPresenceOptions } from './presence/redis-presence.store';
export { ChatIoAdapter, RedisConnectionMonitor } from './realtime/chat-io.adapter';
export type { AdapterRedisClient, ChatIoAdapterOptions, RedisEventSource, RedisProbe } from './realtime/chat-io.adapter';

// Prometheus metrics: inject ChatMetrics and serve its `registry` (or give the module your own registry).
export { ChatMetrics, DEFAULT_CHAT_METRICS_PREFIX } from './metrics/chat-metrics';
export type { ChatSendOutcome, ChatSendTransport } from './metrics/chat-metrics';

// Domain events (inject ChatEventBus) and the typed Socket.IO events of namespace /chat.
export { ChatEventBus } from './events/chat-event-bus';
export type { ChatEvent, ChatEventMap, ChatEventName } from './events/chat-events';
export type { ChatAck, ChatClientToServerEvents, ChatServerToClientEvents } from './realtime/chat-socket-events';

// System messages: what a ban (or a host's own membership change) calls in its transaction to write the change into
// the room's history (see SystemMessages), and the events such a message records.
export { SYSTEM_EVENTS, SystemMessages } from './common/system-messages';
export type { RecordedSystemMessage, SystemChange, SystemEvent, SystemMessageRoom } from './common/system-messages';

// Errors and response shapes, as HTTP and socket clients receive them.
export { ChatError, CHAT_ERROR_STATUS } from './common/chat-error';
export type { ChatErrorCode } from './common/chat-error';
export { codeOfStatus, errorBodyOf } from './common/error-body';
export type { ErrorBody } from './common/error-body';
// Outages: 503 with `retryAfterSeconds`; the process's database outage tracker (logs an outage once, and its end)
// and the one mapping of infrastructure errors (database unreachable, pool exhausted, lock timeout) to those 503s.
export { ServiceUnavailableError } from './common/service-unavailable.error';
export type { RetryLaterCode } from './common/service-unavailable.error';
export { DatabaseOutage, databaseOutage, isDatabaseUnavailable, serviceUnavailableOf } from './common/database-outage';
export { ErrorResponse } from './common/dto/error.response';
// OpenAPI: `@ApiErrors(...codes)` documents a host route's errors like the chat's; `completeOpenApiDocument` turns the
// document SwaggerModule builds into the OpenAPI 3.1 one the chat's clients are generated from (see the README).
export { ApiErrors } from './common/api-error-responses';
export type { ApiErrorCase } from './common/api-error-responses';
export { completeOpenApiDocument } from './common/openapi-document';
// The chat's input rules, for the host's own routes: the validation pipe of the chat routes (unknown fields, depth
// and `__proto__` keys refused; 400 `INVALID_INPUT`), the text rule of its DTOs (no control characters, lengths in
// code points as PostgreSQL counts them), and the depth/key check alone, to run right after a JSON parser.
export { ChatValidationPipe } from './common/validation';
export { IsChatText } from './common/chat-text';
export type { ChatTextOptions } from './common/chat-text';
export { jsonShapeProblem, MAX_JSON_DEPTH } from './common/json-shape';
export type { Page } from './common/pagination';
export { RoomMeResponse, RoomNotificationsResponse, RoomPageResponse, RoomResponse } from './rooms/dto/room.response';
export { MemberPageResponse, MemberResponse } from './members/dto/member.response';
export { MessagePageResponse, MessageResponse, ReactionSummary, SystemMessageInfo } from './messages/dto/message.response';
export { ImageResponse } from './images/dto/image.response';
export { DeviceListResponse, DeviceResponse } from './notifications/devices/dto/device.response';
export { NotificationConfigResponse, WebPushConfigResponse } from './notifications/devices/dto/notification-config.response';
export { BanPageResponse, BanResponse } from './moderation/dto/ban.response';
export { ReportPageResponse, ReportResponse } from './moderation/dto/report.response';
export { AuditEntryResponse, AuditTargetResponse } from './audit/dto/audit-entry.response';
export { AuditEntryPageResponse } from './admin/dto/audit-page.response';
export { BanUserDto } from './admin/dto/ban-user.dto';
export { ListAdminRoomsQueryDto } from './admin/dto/list-admin-rooms.query';
export { UserBanResponse } from './admin/dto/user-ban.response';
export {
  ExportedMembership,
  ExportedMessage,
  ExportedMessageEdit,
  ExportedProfile,
  ExportedBlock,
  ExportedReaction,
  ExportedRoomBan,
  UserExportResponse,
} from './admin/dto/user-export.response';
