import { InitialChatSchema1795318367020 } from './migrations/1795318367020-initial-chat-schema';
import { Images1795319390929 } from './migrations/1795319390929-images';
import { MessageSearch1795320587919 } from './migrations/1795320587919-message-search';
import { MessageWriteFunction1795330000000 } from './migrations/1795330000000-message-write-function';
import { UserPresence1795340000000 } from './migrations/1795340000000-user-presence';
import { MessageWriteRoomBusy1795350000000 } from './migrations/1795350000000-message-write-room-busy';
import { Notifications1795360000000 } from './migrations/1795360000000-notifications';
import { NotificationOutbox1795360000001 } from './migrations/1795360000001-notification-outbox';
import { MessageWriteMentions1795360000002 } from './migrations/1795360000002-message-write-mentions';
import { AuditLog1795370000000 } from './migrations/1795370000000-audit-log';
import { RoomModeration1795370000100 } from './migrations/1795370000100-room-moderation';
import { ServerBans1795370000300 } from './migrations/1795370000300-server-bans';
import { BlocksAndGuests1795370000200 } from './migrations/1795370000200-blocks-and-guests';
import { SystemMessages1795370000400 } from './migrations/1795370000400-system-messages';
import { MessageWriteModeration1795370000500 } from './migrations/1795370000500-message-write-moderation';
import { DeliveryTakeIndexes1795380000000 } from './migrations/1795380000000-delivery-take-indexes';

/** Every migration of the chat module, oldest first, for the host's DataSource `migrations`. */
export const chatMigrations = [
  InitialChatSchema1795318367020,
  Images1795319390929,
  MessageSearch1795320587919,
  MessageWriteFunction1795330000000,
  UserPresence1795340000000,
  MessageWriteRoomBusy1795350000000,
  Notifications1795360000000,
  NotificationOutbox1795360000001,
  MessageWriteMentions1795360000002,
  AuditLog1795370000000,
  RoomModeration1795370000100,
  ServerBans1795370000300,
  BlocksAndGuests1795370000200,
  SystemMessages1795370000400,
  MessageWriteModeration1795370000500,
  DeliveryTakeIndexes1795380000000,
];
