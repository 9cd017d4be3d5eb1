/**
 * What a caller may do outside any one room. Routes declare theirs with `@RequireUser(...)`; the rule is
 * `USER_RULES` (access-rules.ts). Guests hold none of them.
 */
export type UserPermission =
  /** Create group and direct rooms. */
  | 'room.create'
  /** Upload images, list and delete one's own. */
  | 'image.upload'
  /** Register, list and remove push devices. */
  | 'device.manage'
  /** Ask for other users' presence (`GET /presence`). */
  | 'presence.read'
  /** Block and unblock users, list one's blocks. */
  | 'block.manage'
  /** Search the standalone server's local accounts. */
  | 'account.search';
