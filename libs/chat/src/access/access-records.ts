/**
 * What the access layer reads of rooms and memberships. The feature modules own the entities (and pass them
 * as the type arguments of AccessService's methods); the access layer sits below them and imports none, so no
 * feature folder depends on another through it.
 */
export type RoomType = 'direct' | 'group';
export type MemberRole = 'owner' | 'admin' | 'member';

export interface AccessRoom {
  id: string;
  type: RoomType;
  isPublic: boolean;
  creatorId: string;
  /** Moderation settings of the room row (loaded with it): slow mode interval and frozen. */
  slowModeSeconds?: number;
  frozen?: boolean;
  /** Accepts guests (public group rooms only); absent where a query does not read it. */
  allowGuests?: boolean;
}

/**
 * Who asks: a user id, or the principal itself when whether the caller is a guest matters (the HTTP guards and the
 * socket handlers pass the principal, so guest rules hold on both transports).
 */
export type AccessCaller = string | { userId: string; guest?: boolean };

export const callerId = (caller: AccessCaller): string => (typeof caller === 'string' ? caller : caller.userId);
export const isGuestCaller = (caller: AccessCaller): boolean => typeof caller !== 'string' && caller.guest === true;

export interface AccessMembership {
  roomId: string;
  userId: string;
  role: MemberRole;
  /** Read-only until then (moderation); null or absent: not silenced. */
  silencedUntil?: Date | null;
}

/** A room with the caller's membership of it (null: not a member, e.g. a public room seen from outside). */
export interface RoomAccess<R extends AccessRoom = AccessRoom, M extends AccessMembership = AccessMembership> {
  room: R;
  membership: M | null;
}

/** A room the caller is a member of. */
export interface MemberAccess<R extends AccessRoom = AccessRoom, M extends AccessMembership = AccessMembership> extends RoomAccess<R, M> {
  membership: M;
}

/** A room ban as the access layer reads it: whom it bans, and until when (null: until lifted). */
export interface AccessBan {
  userId: string;
  until: Date | null;
}
