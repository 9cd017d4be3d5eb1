// The JSON shapes of the chat API (see the contract), as the demo client uses them.

export interface Account {
  id: string;
  username: string;
  /** A guest of the server (`POST /auth/guest`): `username` is the name the guest chose. */
  guest?: boolean;
}

export interface AuthResponse {
  accessToken: string;
  /** Local accounts only (guests have none): exchanged at `POST /auth/refresh` for the next access token. */
  refreshToken?: string;
  /** Seconds the access token is valid for (local accounts). */
  expiresIn?: number;
  user: Account;
}

/** `POST /api/v1/auth/guest`: a guest has a chosen name, not a username. */
export interface GuestAuthResponse {
  accessToken: string;
  user: { id: string; name: string; guest: true };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type NotificationLevel = 'all' | 'mentions' | 'none';

export interface NotificationSettings {
  level: NotificationLevel;
  /** Muted until then (ISO-8601), whatever the level; null: not muted for a while. */
  mutedUntil: string | null;
}

export interface RoomMe {
  role: 'owner' | 'admin' | 'member';
  /** `notifications.level` is 'none', or `mutedUntil` is in the future (when the server answered). */
  muted: boolean;
  lastReadSeq: number;
  unreadCount: number;
  /** Unread messages of others that mention the viewer. */
  unreadMentionCount?: number;
  notifications?: NotificationSettings;
}

export interface Room {
  id: string;
  type: 'direct' | 'group';
  title: string;
  description: string;
  imageId: string | null;
  isPublic: boolean;
  creatorId: string;
  createdAt: string;
  updatedAt: string;
  lastMessageAt: string | null;
  lastMessage: Message | null;
  lastSeq: number;
  version: number;
  memberCount: number;
  /** Guests may join (public group rooms only). */
  allowGuests?: boolean;
  /** Members other than owner/admins may send one message per this many seconds; 0: off. */
  slowModeSeconds?: number;
  /** Only owner/admins may send. */
  frozen?: boolean;
  me: RoomMe | null;
}

export interface Member {
  userId: string;
  name: string | null;
  role: 'owner' | 'admin' | 'member';
  joinedAt: string;
  lastReadSeq: number;
  lastDeliveredSeq: number;
  muted: boolean;
  online: boolean;
  /** Read-only until then (ISO-8601); null or past: may send. */
  silencedUntil?: string | null;
  guest?: boolean;
}

/** A ban from a room (`PUT /rooms/{roomId}/bans/{userId}`). */
export interface Ban {
  userId: string;
  reason: string | null;
  until: string | null;
  createdAt: string;
  createdBy: string;
}

/** A member's report of a message, open until an owner/admin (or a server administrator) resolves it. */
export interface Report {
  id: string;
  messageId: string;
  roomId: string;
  reporterId: string;
  reason: string;
  createdAt: string;
  resolvedAt: string | null;
}

/** One entry of `GET /blocks`: a user the caller blocked. */
export interface Block {
  userId: string;
  createdAt: string;
}

/** One entry of the server's audit log (`GET /admin/audit`). */
export interface AuditEntry {
  id: string;
  actorId: string;
  action: string;
  target: { type: string; id: string };
  roomId?: string | null;
  createdAt: string;
  details: Record<string, unknown> | null;
}

export type SystemEvent = 'member.joined' | 'member.left' | 'member.added' | 'member.removed' | 'member.banned' | 'room.renamed' | 'room.created';

export interface Image {
  id: string;
  uploaderId: string;
  mimeType: string;
  size: number;
  width: number;
  height: number;
  url: string;
  thumbnailUrl: string;
  createdAt: string;
}

export interface Reaction {
  emoji: string;
  count: number;
  me: boolean;
}

export interface Message {
  id: string;
  roomId: string;
  seq: number;
  /** `system`: a membership or room change written into the history (no sender, no actions). */
  type?: 'user' | 'system';
  /** Null for system messages. */
  senderId: string | null;
  body: string;
  parentId: string | null;
  replyCount: number;
  images: Image[];
  reactions: Reaction[];
  pinned: boolean;
  /** User ids the message mentions (`@name` in its body). */
  mentions?: string[];
  clientId: string | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  version: number;
  system?: { event: SystemEvent; actorId: string | null; targetId: string | null } | null;
}

export interface Changes {
  /** Every change up to this version is in this page or an earlier one. */
  version: number;
  room: Room;
  messages: Message[];
  members: Member[];
  removedMemberIds: string[];
  /** More pages follow: ask again with `since` = `version` and `cursor` = `nextCursor`. */
  hasMore: boolean;
  nextCursor: string | null;
}

/** A registered push target of the caller (`POST /devices`). */
export interface Device {
  id: string;
  platform: 'fcm' | 'webpush';
  createdAt: string;
  lastUsedAt: string | null;
}

/** What the server can send (`GET /notifications/config`). */
export interface NotificationsConfig {
  webpush: { vapidPublicKey: string } | null;
  fcm: boolean;
}

export interface Presence {
  userId: string;
  online: boolean;
  lastSeenAt: string | null;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: { statusCode: number; message: string; code?: string; retryAfterSeconds?: number } };

export interface ServerEvents {
  'message.created': (payload: { roomId: string; version: number; message: Message }) => void;
  'message.updated': (payload: { roomId: string; version: number; message: Message }) => void;
  'message.deleted': (payload: { roomId: string; version: number; messageId: string }) => void;
  'member.added': (payload: { roomId: string; version: number; member: Member }) => void;
  'member.updated': (payload: { roomId: string; version: number; member: Member }) => void;
  'member.removed': (payload: { roomId: string; version: number; member: Member }) => void;
  'room.updated': (payload: { roomId: string; version: number; room: Room }) => void;
  'room.deleted': (payload: { roomId: string }) => void;
  receipt: (payload: { roomId: string; userId: string; lastReadSeq: number }) => void;
  typing: (payload: { roomId: string; userId: string; isTyping: boolean }) => void;
  presence: (payload: Presence) => void;
  'session.closing': (payload: { reason: string }) => void;
}

export interface ClientEvents {
  'message.send': (
    payload: { roomId: string; body?: string; parentId?: string; imageIds?: string[]; mentions?: string[]; clientId?: string },
    ack: (result: Ack<Message>) => void,
  ) => void;
  'room.read': (payload: { roomId: string; seq: number }, ack: (result: Ack<unknown>) => void) => void;
  'room.delivered': (payload: { roomId: string; seq: number }, ack: (result: Ack<unknown>) => void) => void;
  typing: (payload: { roomId: string; isTyping: boolean }, ack: (result: Ack<null>) => void) => void;
}

/** A message as the client holds it: optimistic sends carry their state until the server has them. */
export type LocalMessage = Message & {
  /**
   * A message of the viewer the server has not acknowledged yet: being sent, waiting in the outbox for the
   * connection (`queued`), or refused by the server (`failed`, with its reason).
   */
  local?: { state: 'sending' | 'queued' | 'failed'; error?: string; previews: string[]; imageIds: string[] };
};
