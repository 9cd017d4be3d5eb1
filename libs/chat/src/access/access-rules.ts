import type { AccessMembership, AccessRoom, MemberRole } from './access-records';
import type { RoomPermission } from './room-permission';

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

/** One rule of the table below: who must be able to see the room at all (else 404), and who may act (else 403). */
export interface RoomRule {
  /** `viewers`: a public room is visible to outsiders; `members`: only members see it (404 for anyone else). */
  seenBy: 'viewers' | 'members';
  allows: (room: Room, membership: Membership) => boolean;
  /** The 403 message. */
  denied: (room: Room) => string;
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
};
