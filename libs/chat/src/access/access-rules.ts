import type { MemberRole, RoomMemberEntity } from '../rooms/entities/room-member.entity';
import type { RoomEntity } from '../rooms/entities/room.entity';

/**
 * The permission rules of a room, as pure functions of the room and the caller's membership (null when the
 * caller is not a member). Every permission decision of the module is one of these; the AccessService loads
 * the rows and turns a `false` into the right error.
 */
export type Membership = Pick<RoomMemberEntity, 'role' | 'userId'> | null;
type Room = Pick<RoomEntity, 'type' | 'isPublic'>;

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
export const canRemoveMember = (room: Room, membership: Membership, target: Pick<RoomMemberEntity, 'role' | 'userId'>): boolean => {
  if (room.type !== 'group' || membership === null) return false;
  if (membership.userId === target.userId) return true;
  if (membership.role === 'owner') return true;
  return membership.role === 'admin' && target.role === 'member';
};

/** Deleting someone else's message, pinning: owner and admins. */
export const canModerate = (membership: Membership): boolean => isManager(membership);
