import { ApiProperty } from '@nestjs/swagger';
import { ImageResponse } from '../../images/dto/image.response';
import { ReportResponse } from '../../moderation/dto/report.response';
import { DeviceResponse } from '../../notifications/devices/dto/device.response';
import { UserBanResponse } from './user-ban.response';

/** The chat's profile of the user (names come from their tokens or the host). */
export class ExportedProfile {
  @ApiProperty()
  id: string;

  @ApiProperty({ type: String, nullable: true })
  name: string | null;

  @ApiProperty({ type: String, nullable: true })
  avatarUrl: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;

  /** When the user was last online; null when never recorded. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastSeenAt: string | null;
}

/** One room the user is a member of, with their settings and pointers there. */
export class ExportedMembership {
  @ApiProperty({ format: 'uuid' })
  roomId: string;

  @ApiProperty({ enum: ['direct', 'group'] })
  roomType: 'direct' | 'group';

  @ApiProperty()
  roomTitle: string;

  @ApiProperty({ enum: ['owner', 'admin', 'member'] })
  role: string;

  @ApiProperty({ format: 'date-time' })
  joinedAt: string;

  @ApiProperty({ enum: ['all', 'mentions', 'none'] })
  notificationLevel: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  mutedUntil: string | null;

  @ApiProperty({ type: 'integer' })
  lastReadSeq: number;

  @ApiProperty({ type: 'integer' })
  lastDeliveredSeq: number;
}

/** An earlier version of an edited message. */
export class ExportedMessageEdit {
  @ApiProperty()
  body: string;

  @ApiProperty({ format: 'date-time' })
  replacedAt: string;
}

/**
 * A message the user sent, as stored: a deleted one carries its content only when the module retains deleted
 * content (`messages.retainDeletedContent`), otherwise its body is "" and it has no edits or images.
 */
export class ExportedMessage {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  roomId: string;

  @ApiProperty({ type: 'integer' })
  seq: number;

  @ApiProperty()
  body: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  parentId: string | null;

  @ApiProperty({ type: [String] })
  mentions: string[];

  @ApiProperty({ type: [String], description: 'Ids of the images attached to it' })
  imageIds: string[];

  @ApiProperty({ type: String, nullable: true })
  clientId: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  editedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  deletedAt: string | null;

  /** Earlier versions, oldest first. */
  @ApiProperty({ type: [ExportedMessageEdit] })
  edits: ExportedMessageEdit[];
}

/** A reaction the user gave. */
export class ExportedReaction {
  @ApiProperty({ format: 'uuid' })
  messageId: string;

  @ApiProperty({ format: 'uuid' })
  roomId: string;

  @ApiProperty()
  emoji: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

/** A room ban of the user (active or expired). */
export class ExportedRoomBan {
  @ApiProperty({ format: 'uuid' })
  roomId: string;

  @ApiProperty({ type: String, nullable: true })
  reason: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  until: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty()
  createdBy: string;
}

/** A user the exported user blocked. */
export class ExportedBlock {
  @ApiProperty()
  userId: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

/**
 * `GET /admin/users/{userId}/export`: everything the chat stores about a user (the right of access). Devices are
 * listed without their push tokens and keys: those are credentials of the user's browser or phone, not information
 * about the user, and handing them out would let anyone holding the export push to that device.
 */
export class UserExportResponse {
  @ApiProperty()
  userId: string;

  @ApiProperty({ format: 'date-time' })
  exportedAt: string;

  /** Null when the chat has no profile row (the user never signed in, but was named, say, in a ban). */
  @ApiProperty({ type: ExportedProfile, nullable: true })
  profile: ExportedProfile | null;

  @ApiProperty({ type: [ExportedMembership] })
  memberships: ExportedMembership[];

  @ApiProperty({ type: [ExportedMessage] })
  messages: ExportedMessage[];

  @ApiProperty({ type: [ExportedReaction] })
  reactions: ExportedReaction[];

  /** Images the user uploaded (metadata; the bytes are at each `url`). */
  @ApiProperty({ type: [ImageResponse] })
  images: ImageResponse[];

  @ApiProperty({ type: [DeviceResponse] })
  devices: DeviceResponse[];

  /** Reports the user filed. */
  @ApiProperty({ type: [ReportResponse] })
  reports: ReportResponse[];

  /** Rooms the user is or was banned from. */
  @ApiProperty({ type: [ExportedRoomBan] })
  roomBans: ExportedRoomBan[];

  /** Users the user blocked. */
  @ApiProperty({ type: [ExportedBlock] })
  blocks: ExportedBlock[];

  /** The user's server-wide ban, if one is recorded (also an expired one). */
  @ApiProperty({ type: UserBanResponse, nullable: true })
  serverBan: UserBanResponse | null;
}
