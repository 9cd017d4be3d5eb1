/**
 * What a caller may do in a room. Each permission is one rule of `ROOM_RULES` (access-rules.ts); HTTP routes
 * declare theirs with `@RequireRoom(...)`, socket handlers and services ask AccessService for the same names.
 */
export type RoomPermission =
  /** See the room: members, and anybody authenticated for a public group room. */
  | 'room.view'
  /** Read and take part: messages, members, pins, receipts, read pointers, typing, sync. Members only. */
  | 'room.read'
  /** Title, description, picture, visibility. */
  | 'room.edit'
  | 'room.delete'
  | 'room.join'
  | 'room.leave'
  /** One's own notification level and mute in the room (`PUT .../notifications`, mute, unmute). Members only. */
  | 'room.notifications'
  /** Add plain members (adding an admin is `member.addAdmin`). */
  | 'member.add'
  | 'member.addAdmin'
  | 'member.changeRole'
  /** Remove members (which ones: `canRemoveMember`), or leave through the member routes. */
  | 'member.remove'
  /** Delete others' messages, read others' edit history, pin and unpin. */
  | 'message.moderate'
  /** Report a message of the room to its owner and admins: any member. */
  | 'message.report'
  /** Bans, the reports queue, silencing members: owner and admins of group rooms (which targets: `canBan`, `canSilence`). */
  | 'room.moderate';

/** The permissions only members hold (their rule is `seenBy: 'members'`). */
export type MemberPermission = Exclude<RoomPermission, 'room.view' | 'room.edit' | 'room.delete' | 'room.join'>;
