import type { ChatErrorCode } from '../common/chat-error';
import type { AccessBan, AccessMembership, AccessRoom, MemberRole } from './access-records';
import type { RoomPermission } from './room-permission';
import type { UserPermission } from './user-permission';

/**
 * The permission rules of a room, as pure functions of the room and the caller's membership (null when the
 * caller is not a member). Every permission decision of the module is one of these; AccessService loads the
 * rows, applies the host's policy and turns a `false` into the right error.
 */
export type Membership = Pick<AccessMembership, 'role' | 'userId'> | null;
type Room = Pick<AccessRoom, 'type' | 'isPublic'>;

const isManager = (membership: Membership): boolean => membership?.role === 'owner' || membership?.role === 'admin';

/** Members see their rooms; anybody authenticated sees public group rooms (to find and join them). */
export const canViewRoom = (room: Room, membership: Membership): boolean =>
  membership !== null || (room.type === 'group' && room.isPublic);

/** Title, description, image and visibility: owner and admins of group rooms. */
export const canEditRoom = (room: Room, membership: Membership): boolean => room.type === 'group' && isManager(membership);

/** Only the owner deletes a group room; direct rooms cannot be deleted. */
export const canDeleteRoom = (room: Room, membership: Membership): boolean =>
  room.type === 'group' && membership?.role === 'owner';

/** Anybody who is not yet a member joins a public group room. */
export const canJoinRoom = (room: Room, membership: Membership): boolean =>
  room.type === 'group' && room.isPublic && membership === null;

/** Members leave group rooms; a direct room always keeps its two members. */
export const canLeaveRoom = (room: Room, membership: Membership): boolean => room.type === 'group' && membership !== null;

/** Owner and admins add members to group rooms; the owner may grant admin, admins only plain membership. */
export const canAddMember = (room: Room, membership: Membership, role: MemberRole): boolean => {
  if (room.type !== 'group' || !isManager(membership) || role === 'owner') return false;
  return role === 'member' || membership?.role === 'owner';
};

/** Only the owner changes roles. */
export const canChangeRole = (room: Room, membership: Membership): boolean =>
  room.type === 'group' && membership?.role === 'owner';

/**
 * Removing a member: a member removes themself (leaving); the owner removes anybody else; admins remove plain
 * members only. Nobody is removed from a direct room.
 */
export const canRemoveMember = (room: Room, membership: Membership, target: Pick<AccessMembership, 'role' | 'userId'>): boolean => {
  if (room.type !== 'group' || membership === null) return false;
  if (membership.userId === target.userId) return true;
  if (membership.role === 'owner') return true;
  return membership.role === 'admin' && target.role === 'member';
};

/** Deleting someone else's message, reading their edit history, pinning: owner and admins. */
export const canModerate = (membership: Membership): boolean => isManager(membership);

/** Only its sender edits a message. */
export const canEditMessage = (membership: Membership, message: { senderId: string | null }): boolean => membership?.userId === message.senderId;

/** Its sender, the owner and admins delete a message, and read its edit history. */
export const canManageMessage = (membership: Membership, message: { senderId: string | null }): boolean =>
  canEditMessage(membership, message) || canModerate(membership);

/** A membership as the moderation rules read it. */
type ModeratedMembership = (Pick<AccessMembership, 'role' | 'userId' | 'silencedUntil'>) | null;
/** Another user a moderator acts on: their role in the room, or null when they are not a member. */
export interface ModerationTarget {
  userId: string;
  role: MemberRole | null;
}

/** Bans, the reports queue and silencing: owner and admins of group rooms (never in direct rooms). */
export const canModerateRoom = (room: Room, membership: Membership): boolean => room.type === 'group' && isManager(membership);

/**
 * Banning a user: owner and admins of group rooms; nobody bans themself (403); admins ban plain members and
 * non-members only, never the owner or other admins.
 */
export const canBan = (room: Room, membership: Membership, target: ModerationTarget): boolean => {
  if (!canModerateRoom(room, membership) || membership?.userId === target.userId) return false;
  return membership?.role === 'owner' || target.role === null || target.role === 'member';
};

/** Silencing a member: as banning, and the target must be a member. */
export const canSilence = (room: Room, membership: Membership, target: ModerationTarget): boolean => target.role !== null && canBan(room, membership, target);

/** A ban keeps its user out while it has no end or its end is still ahead. */
export const isBanActive = (ban: Pick<AccessBan, 'until'>, now: Date = new Date()): boolean => ban.until === null || ban.until.getTime() > now.getTime();

/** Silenced: `silencedUntil` is still ahead. */
export const isSilenced = (membership: ModeratedMembership, now: Date = new Date()): boolean =>
  !!membership?.silencedUntil && membership.silencedUntil.getTime() > now.getTime();

/**
 * Sending, beyond membership: refused for a silenced member (403 `SILENCED`), for anybody but the owner and admins in
 * a frozen room (403 `ROOM_FROZEN`), for a member of a direct room whose other member blocked them (403 `BLOCKED`, see
 * `canReach`), and by slow mode for anybody but the owner and admins (429 `SLOW_MODE`, one message per interval). The
 * database function that writes messages applies these rules under the room's lock, as it checks membership
 * (migration MessageWriteModeration1795370000500): one statement per batch of sends instead of queries per send, and
 * an atomic slow-mode slot. These are the refusals it reports, and their answers.
 */
export type SendRefusal = 'silenced' | 'frozen' | 'blocked';
export const SEND_REFUSALS: Record<SendRefusal, { code: ChatErrorCode; message: string }> = {
  silenced: { code: 'SILENCED', message: 'You are silenced in this room' },
  frozen: { code: 'ROOM_FROZEN', message: 'This room is frozen: only the owner and admins can send' },
  blocked: { code: 'BLOCKED', message: 'This user has blocked you' },
};

/** One rule of the table below: who must be able to see the room at all (else 404), and who may act (else 403). */
export interface RoomRule {
  /** `viewers`: a public room is visible to outsiders; `members`: only members see it (404 for anyone else). */
  seenBy: 'viewers' | 'members';
  allows: (room: Room, membership: Membership) => boolean;
  /** The 403 message. */
  denied: (room: Room, membership: Membership) => string;
}

const always = (): boolean => true;
const never = (): string => 'Not allowed';

/** Every room permission: what the guards, the socket handlers and the services ask. */
export const ROOM_RULES: Record<RoomPermission, RoomRule> = {
  'room.view': { seenBy: 'viewers', allows: always, denied: never },
  'room.read': { seenBy: 'members', allows: always, denied: never },
  'room.edit': { seenBy: 'viewers', allows: canEditRoom, denied: () => 'Only the owner and admins can edit this room' },
  'room.delete': { seenBy: 'viewers', allows: canDeleteRoom, denied: () => 'Only the owner can delete this room' },
  'room.join': { seenBy: 'viewers', allows: canJoinRoom, denied: () => 'Only public group rooms can be joined' },
  'room.leave': { seenBy: 'members', allows: canLeaveRoom, denied: () => 'Nobody can leave a direct room' },
  'room.notifications': { seenBy: 'members', allows: always, denied: never },
  'member.add': {
    seenBy: 'members',
    allows: (room, membership) => canAddMember(room, membership, 'member'),
    denied: (room) => (room.type === 'direct' ? 'Nobody can be added to a direct room' : 'Only the owner and admins can add members'),
  },
  'member.addAdmin': {
    seenBy: 'members',
    allows: (room, membership) => canAddMember(room, membership, 'admin'),
    denied: (room) => (room.type === 'direct' ? 'Nobody can be added to a direct room' : 'Only the owner can add admins'),
  },
  'member.changeRole': { seenBy: 'members', allows: canChangeRole, denied: () => 'Only the owner can change roles' },
  'member.remove': { seenBy: 'members', allows: (room) => room.type === 'group', denied: () => 'Nobody can be removed from a direct room' },
  'message.moderate': { seenBy: 'members', allows: (_room, membership) => canModerate(membership), denied: () => 'Only the owner and admins can do this' },
  'message.report': { seenBy: 'members', allows: always, denied: never },
  'room.moderate': {
    seenBy: 'members',
    allows: canModerateRoom,
    denied: (room) => (room.type === 'direct' ? 'Nobody is moderated in a direct room' : 'Only the owner and admins can moderate this room'),
  },
};

/**
 * `/admin`: server administrators only (the token's `chatAdmin: true`, the host's `authenticate`, or its `isAdmin`
 * hook, resolved into `admin` by ServerAdmins). Everybody else is answered as if the routes did not exist.
 */
export const canAdministerServer = (principal: { admin?: boolean }): boolean => principal.admin === true;
/** A room that accepts guests: a public group room with `allowGuests`. */
export const acceptsGuests = (room: Pick<AccessRoom, 'type' | 'isPublic' | 'allowGuests'>): boolean =>
  room.type === 'group' && room.isPublic && room.allowGuests === true;

/**
 * What a guest may do in a room, on top of the rule of the permission: see it; read, send, react and mark read
 * (`room.read`) and join only where the room accepts guests; leave (also through `member.remove`, which for a
 * plain member only ever removes themself). Anything else is 403 GUEST_NOT_ALLOWED.
 */
export const guestMay = (permission: RoomPermission, room: Pick<AccessRoom, 'type' | 'isPublic' | 'allowGuests'>): boolean => {
  switch (permission) {
    case 'room.view':
    case 'room.leave':
    case 'member.remove':
      return true;
    case 'room.read':
    case 'room.join':
      return acceptsGuests(room);
    default:
      return false;
  }
};

/** Whether a user blocked by `target` may still reach them: never (no direct room, no adding them, no sending). */
export const canReach = (blockedByTarget: boolean): boolean => !blockedByTarget;

/** Who can become a member of a room: a guest only of a room that accepts guests, and only as a plain member. */
export const canBecomeMember = (room: Pick<AccessRoom, 'type' | 'isPublic' | 'allowGuests'>, target: { guest: boolean }, role: MemberRole): boolean =>
  !target.guest || (acceptsGuests(room) && role === 'member');

/** The permissions outside rooms: everybody but guests holds them. */
export const USER_RULES: Record<UserPermission, (caller: { guest?: boolean }) => boolean> = {
  'room.create': (caller) => caller.guest !== true,
  'image.upload': (caller) => caller.guest !== true,
  'device.manage': (caller) => caller.guest !== true,
  'presence.read': (caller) => caller.guest !== true,
  'block.manage': (caller) => caller.guest !== true,
  'account.search': (caller) => caller.guest !== true,
};
