import { ImageEntity } from '../images/entities/image.entity';
import { MessageImageEntity } from '../images/entities/message-image.entity';
import { MessageEditEntity } from '../messages/entities/message-edit.entity';
import { MessageEntity } from '../messages/entities/message.entity';
import { ReactionEntity } from '../messages/entities/reaction.entity';
import { RoomMemberRemovalEntity } from '../members/entities/room-member-removal.entity';
import { RoomMemberEntity } from '../members/entities/room-member.entity';
import { RoomEntity } from '../rooms/entities/room.entity';
import { UserPresenceEntity } from '../presence/entities/user-presence.entity';
import { ChatUserEntity } from '../users/entities/chat-user.entity';
import { DeviceEntity } from '../notifications/devices/entities/device.entity';
import { AuditEntryEntity } from '../audit/entities/audit-entry.entity';
import { RoomBanEntity } from '../moderation/entities/room-ban.entity';
import { MessageReportEntity } from '../moderation/entities/message-report.entity';
import { UserBanEntity } from '../users/entities/user-ban.entity';
import { UserBlockEntity } from '../blocks/entities/user-block.entity';

/** Every entity of the chat module, for the host's DataSource `entities` (or use `autoLoadEntities`). */
export const chatEntities = [
  ChatUserEntity,
  RoomEntity,
  RoomMemberEntity,
  RoomMemberRemovalEntity,
  MessageEntity,
  MessageEditEntity,
  ReactionEntity,
  ImageEntity,
  MessageImageEntity,
  UserPresenceEntity,
  DeviceEntity,
  AuditEntryEntity,
  RoomBanEntity,
  MessageReportEntity,
  UserBanEntity,
  UserBlockEntity,
];
