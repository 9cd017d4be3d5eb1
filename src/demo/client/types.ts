// The JSON shapes of the chat API (see the contract), as the demo client uses them.

export interface Account {
  id: string;
  username: string;
}

export interface AuthResponse {
  accessToken: string;
  user: Account;
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
}

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
  /** `system`: a membership or room change, told in `body`, with no sender. */
  type?: 'user' | 'system';
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

export type Ack<T> = { ok: true; data: T } | { ok: false; error: { statusCode: number; message: string } };

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
  local?: { state: 'sending' | 'failed'; error?: string; previews: string[]; imageIds: string[] };
};
