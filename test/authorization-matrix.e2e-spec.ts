/**
 * The authorization matrix: every chat operation of the OpenAPI document, and every client socket event and the
 * room subscription, × six room callers and two principals (a guest, a server administrator) × three kinds of room,
 * each cell asserting the answer API.md promises.
 *
 * To add a route (or a variant of one):
 *   1. Add a row to EXPECTED below, keyed by the route's operationId (a variant: `operationId[what differs]`),
 *      with an answer for each room kind (`row` for group rooms: outsider, member, admin, owner, removed,
 *      other-room; `dm` for direct rooms: outsider, member, other-room; `NA` where a cell cannot exist).
 *   2. Say how to call it in HOW (path parameters, query, body; `mutates: true` when one caller's call can change
 *      what another caller would get, so each cell gets a fresh room; `fixture`/`prepare`/`before` for the state
 *      it needs). Method and path come from the OpenAPI document, never from here.
 *   3. Give the guest's and the server administrator's answers in BY_PRINCIPAL (the administrator is an outsider
 *      everywhere but `/admin`).
 * The first tests fail while the document has an operation that EXPECTED lacks, or EXPECTED names one the
 * document no longer has. Where API.md is silent the row takes the server's answer and says so in a comment.
 *
 * Every cell runs in a beforeAll (cells of one room in parallel, rooms in a small pool); the `it`s then compare.
 */
import { randomUUID } from 'node:crypto';
import type { ChatClientToServerEvents } from '@parley/chat';
import type { Response } from 'supertest';
import { BASE } from './support/chat-client';
import { pngImage } from './support/image-fixtures';
import {
  PRINCIPAL_CALLERS,
  ROOM_CALLERS,
  ROOM_KINDS,
  WAS_MEMBER,
  callersOf,
  inPool,
  isPrincipalCaller,
  must,
  newUser,
  roomFixtures,
  wasMember,
  type Caller,
  type RoomCaller,
  type RoomFixture,
  type RoomKind,
} from './support/room-fixtures';
import { ask, closeSockets, connectSocket, nextEvent, record, type ChatClient } from './support/sockets';
import { startTestApp, type TestApp, type TestUser } from './support/test-app';

// ---------------------------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------------------------

/** An HTTP status, a socket acknowledgement (`ok` or the error's statusCode), or one of the outcomes below. */
type Outcome = number | typeof LISTED | typeof HIDDEN | typeof OK | typeof RECEIVES | typeof NOT_RECEIVED;
/** 200, and the fixture's room (or user, for presence) is in the answer. */
const LISTED = '200 listed';
/** 200, and the fixture's room (or user) is not in the answer. */
const HIDDEN = '200 not listed';
/** The socket acknowledgement is `{ ok: true }`. */
const OK = 'ok';
/** The caller's socket gets the room's `message.created` (before a later sentinel message of another room). */
const RECEIVES = 'receives';
/** The caller's socket gets a sentinel sent after the room's message, and not the room's message before it. */
const NOT_RECEIVED = 'not received';
/** The cell cannot exist (no owner in a direct room, no message of their own for an outsider...). */
const NA = null;

type Cell = Outcome | typeof NA;
type Row = Record<RoomCaller, Cell>;
type Column = Record<RoomKind, Row | typeof NA>;

/** Group rooms: one answer per caller, in the order outsider, member, admin, owner, removed, other-room. */
const row = (outsider: Cell, member: Cell, admin: Cell, owner: Cell, removed: Cell, otherRoom: Cell): Row => ({ outsider, member, admin, owner, removed, 'other-room': otherRoom });
/** Direct rooms: outsider, member, other-room (nobody else exists in a direct room). */
const dm = (outsider: Cell, member: Cell, otherRoom: Cell): Row => ({ outsider, member, admin: NA, owner: NA, removed: NA, 'other-room': otherRoom });

/**
 * operation → room kind → caller → expected answer. The target of an operation is, unless the key says
 * otherwise: the room; the "poster"'s message (a plain member who is none of the callers; in a direct room the
 * other member); the poster as user; the poster's image attached to that message.
 * "silent" marks a cell where API.md does not decide and the row records the server's current answer.
 */
const EXPECTED = {
  //                                      outsider  member    admin     owner     removed   other-room
  'listRooms[scope=mine]': {
    'private-group': row(HIDDEN, LISTED, LISTED, LISTED, HIDDEN, HIDDEN),
    'public-group': row(HIDDEN, LISTED, LISTED, LISTED, HIDDEN, HIDDEN),
    direct: dm(HIDDEN, LISTED, HIDDEN),
  },
  'listRooms[scope=public]': {
    'private-group': row(HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    'public-group': row(LISTED, LISTED, LISTED, LISTED, LISTED, LISTED),
    direct: dm(HIDDEN, HIDDEN, HIDDEN),
  },
  // Creates a room of that kind with the poster: anybody may; the direct room of a pair exists once (200).
  createRoom: {
    'private-group': row(201, 201, 201, 201, 201, 201),
    'public-group': row(201, 201, 201, 201, 201, 201),
    direct: dm(201, 200, 201),
  },
  getRoom: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(200, 200, 200, 200, 200, 200),
    direct: dm(404, 200, 404),
  },
  // silent: a visible (public) room answers 403 to non-members, not 404.
  updateRoom: {
    'private-group': row(404, 403, 200, 200, 404, 404),
    'public-group': row(403, 403, 200, 200, 403, 403),
    direct: dm(404, 403, 404),
  },
  replaceRoom: {
    'private-group': row(404, 403, 200, 200, 404, 404),
    'public-group': row(403, 403, 200, 200, 403, 403),
    direct: dm(404, 403, 404),
  },
  deleteRoom: {
    'private-group': row(404, 403, 403, 204, 404, 404),
    'public-group': row(403, 403, 403, 204, 403, 403),
    direct: dm(404, 403, 404),
  },
  // silent: joining a room you are in is 409.
  joinRoom: {
    'private-group': row(404, 409, 409, 409, 404, 404),
    'public-group': row(200, 409, 409, 409, 200, 200),
    direct: dm(404, 409, 404),
  },
  // silent: the owner cannot leave before handing ownership over (409); non-members of a public room get 404.
  leaveRoom: {
    'private-group': row(404, 204, 204, 409, 404, 404),
    'public-group': row(404, 204, 204, 409, 404, 404),
    direct: dm(404, 403, 404),
  },
  // Member-only routes: a public room's non-members get 404 like anybody else's (silent: not 403).
  muteRoom: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  unmuteRoom: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  setRoomNotifications: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  markRoomRead: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  markRoomDelivered: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  markMessagesSeen: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  getRoomChanges: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  // silent: a public room's member list is members-only (404).
  listMembers: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  getMember: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  // Adds the newcomer. silent: a public room's non-members get 404 here (403 on updateRoom/deleteRoom).
  'addMember[role=member]': {
    'private-group': row(404, 403, 201, 201, 404, 404),
    'public-group': row(404, 403, 201, 201, 404, 404),
    direct: dm(404, 403, 404),
  },
  'addMember[role=admin]': {
    'private-group': row(404, 403, 403, 201, 404, 404),
    'public-group': row(404, 403, 403, 201, 404, 404),
    direct: dm(404, 403, 404),
  },
  // Makes the poster an admin: the owner only.
  updateMember: {
    'private-group': row(404, 403, 403, 200, 404, 404),
    'public-group': row(404, 403, 403, 200, 404, 404),
    direct: dm(404, 403, 404),
  },
  // Silences the poster (a plain member): owner and admins; admins never silence the owner or admins.
  'updateMember[silencedUntil]': {
    'private-group': row(404, 403, 200, 200, 404, 404),
    'public-group': row(404, 403, 200, 200, 404, 404),
    direct: dm(404, 403, 404),
  },
  'updateMember[silencedUntil,target=admin]': {
    'private-group': row(404, 403, 403, 200, 404, 404),
    'public-group': row(404, 403, 403, 200, 404, 404),
    direct: NA,
  },
  // silent: nobody silences themself, the owner included (403).
  'updateMember[silencedUntil,target=owner]': {
    'private-group': row(404, 403, 403, 403, 404, 404),
    'public-group': row(404, 403, 403, 403, 404, 404),
    direct: NA,
  },
  // silent: the owner removing themself is 409 (hand ownership over first), as for leaveRoom.
  'removeMember[target=self]': {
    'private-group': row(404, 204, 204, 409, 404, 404),
    'public-group': row(404, 204, 204, 409, 404, 404),
    direct: dm(404, 403, 404),
  },
  'removeMember[target=member]': {
    'private-group': row(404, 403, 204, 204, 404, 404),
    'public-group': row(404, 403, 204, 204, 404, 404),
    direct: dm(404, 403, 404),
  },
  // silent ("owner/admin"): an admin cannot remove another admin (403); the owner can.
  'removeMember[target=admin]': {
    'private-group': row(404, 403, 403, 204, 404, 404),
    'public-group': row(404, 403, 403, 204, 404, 404),
    direct: NA,
  },
  'removeMember[target=owner]': {
    'private-group': row(404, 403, 403, 409, 404, 404),
    'public-group': row(404, 403, 403, 409, 404, 404),
    direct: NA,
  },
  // silent: a public room's messages are members-only, and non-members get 404 (not 403).
  listMessages: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  createMessage: {
    'private-group': row(404, 201, 201, 201, 404, 404),
    'public-group': row(404, 201, 201, 201, 404, 404),
    direct: dm(404, 201, 404),
  },
  getMessage: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  // Edits: the sender only. [own]: the caller's own message (the removed member's: sent while a member).
  'updateMessage[others]': {
    'private-group': row(404, 403, 403, 403, 404, 404),
    'public-group': row(404, 403, 403, 403, 404, 404),
    direct: dm(404, 403, 404),
  },
  'updateMessage[own]': {
    'private-group': row(NA, 200, 200, 200, 404, NA),
    'public-group': row(NA, 200, 200, 200, 404, NA),
    direct: dm(NA, 200, NA),
  },
  'replaceMessage[others]': {
    'private-group': row(404, 403, 403, 403, 404, 404),
    'public-group': row(404, 403, 403, 403, 404, 404),
    direct: dm(404, 403, 404),
  },
  'replaceMessage[own]': {
    'private-group': row(NA, 200, 200, 200, 404, NA),
    'public-group': row(NA, 200, 200, 200, 404, NA),
    direct: dm(NA, 200, NA),
  },
  'deleteMessage[others]': {
    'private-group': row(404, 403, 204, 204, 404, 404),
    'public-group': row(404, 403, 204, 204, 404, 404),
    direct: dm(404, 403, 404),
  },
  'deleteMessage[own]': {
    'private-group': row(NA, 204, 204, 204, 404, NA),
    'public-group': row(NA, 204, 204, 204, 404, NA),
    direct: dm(NA, 204, NA),
  },
  'getMessageHistory[others]': {
    'private-group': row(404, 403, 200, 200, 404, 404),
    'public-group': row(404, 403, 200, 200, 404, 404),
    direct: dm(404, 403, 404),
  },
  'getMessageHistory[own]': {
    'private-group': row(NA, 200, 200, 200, 404, NA),
    'public-group': row(NA, 200, 200, 200, 404, NA),
    direct: dm(NA, 200, NA),
  },
  addReaction: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  // The caller's own reaction (the removed member reacted while a member).
  removeReaction: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  getMessageReceipts: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  // Owner and admins; a direct room has neither, so nobody pins there.
  pinMessage: {
    'private-group': row(404, 403, 200, 200, 404, 404),
    'public-group': row(404, 403, 200, 200, 404, 404),
    direct: dm(404, 403, 404),
  },
  // The target was pinned by the owner first.
  unpinMessage: {
    'private-group': row(404, 403, 200, 200, 404, 404),
    'public-group': row(404, 403, 200, 200, 404, 404),
    direct: dm(404, 403, 404),
  },
  listPins: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  // Moderation (API.md "Moderation"): owner and admins of group rooms, never in direct rooms (403). The
  // moderation routes are members-only: a public room's non-members get 404 (silent: not 403).
  listBans: {
    'private-group': row(404, 403, 200, 200, 404, 404),
    'public-group': row(404, 403, 200, 200, 404, 404),
    direct: dm(404, 403, 404),
  },
  // Bans the poster (a plain member).
  banUser: {
    'private-group': row(404, 403, 200, 200, 404, 404),
    'public-group': row(404, 403, 200, 200, 404, 404),
    direct: dm(404, 403, 404),
  },
  'banUser[target=admin]': {
    'private-group': row(404, 403, 403, 200, 404, 404),
    'public-group': row(404, 403, 403, 200, 404, 404),
    direct: NA,
  },
  'banUser[target=owner]': {
    'private-group': row(404, 403, 403, 403, 404, 404),
    'public-group': row(404, 403, 403, 403, 404, 404),
    direct: NA,
  },
  // silent: nobody bans themself (403).
  'banUser[target=self]': {
    'private-group': row(404, 403, 403, 403, 404, 404),
    'public-group': row(404, 403, 403, 403, 404, 404),
    direct: dm(404, 403, 404),
  },
  // Lifts the owner's ban of the newcomer.
  unbanUser: {
    'private-group': row(404, 403, 204, 204, 404, 404),
    'public-group': row(404, 403, 204, 204, 404, 404),
    direct: dm(404, 403, 404),
  },
  // Any member reports the poster's message.
  reportMessage: {
    'private-group': row(404, 201, 201, 201, 404, 404),
    'public-group': row(404, 201, 201, 201, 404, 404),
    direct: dm(404, 201, 404),
  },
  listReports: {
    'private-group': row(404, 403, 200, 200, 404, 404),
    'public-group': row(404, 403, 200, 200, 404, 404),
    direct: dm(404, 403, 404),
  },
  // The poster's report of their room's target message; resolving again answers it as it is (200).
  resolveReport: {
    'private-group': row(404, 403, 200, 200, 404, 404),
    'public-group': row(404, 403, 200, 200, 404, 404),
    direct: dm(404, 403, 404),
  },
  // Slow mode and frozen are room settings: as updateRoom.
  'updateRoom[moderation]': {
    'private-group': row(404, 403, 200, 200, 404, 404),
    'public-group': row(403, 403, 200, 200, 403, 403),
    direct: dm(404, 403, 404),
  },
  // The owner froze the room: only the owner and admins send.
  'createMessage[frozen]': {
    'private-group': row(404, 403, 201, 201, 404, 404),
    'public-group': row(404, 403, 201, 201, 404, 404),
    direct: NA,
  },
  // Images are the caller's own or attached in rooms: the room kind does not matter to these two.
  uploadImage: {
    'private-group': row(201, 201, 201, 201, 201, 201),
    'public-group': row(201, 201, 201, 201, 201, 201),
    direct: dm(201, 201, 201),
  },
  listImages: {
    'private-group': row(200, 200, 200, 200, 200, 200),
    'public-group': row(200, 200, 200, 200, 200, 200),
    direct: dm(200, 200, 200),
  },
  // The poster's image attached to the target message: served to the uploader and the room's members only.
  getImage: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  getImageFile: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  getImageThumbnail: {
    'private-group': row(404, 200, 200, 200, 404, 404),
    'public-group': row(404, 200, 200, 200, 404, 404),
    direct: dm(404, 200, 404),
  },
  // The uploader only. silent: those who can see the image get 403, the others 404.
  deleteImage: {
    'private-group': row(404, 403, 403, 403, 404, 404),
    'public-group': row(404, 403, 403, 403, 404, 404),
    direct: dm(404, 403, 404),
  },
  // [own]: an image the caller uploaded (attached to a message of the room if they were a member): the uploader
  // always sees and deletes it, removed from the room or not.
  'getImage[own]': {
    'private-group': row(200, 200, 200, 200, 200, 200),
    'public-group': row(200, 200, 200, 200, 200, 200),
    direct: dm(200, 200, 200),
  },
  'getImageFile[own]': {
    'private-group': row(200, 200, 200, 200, 200, 200),
    'public-group': row(200, 200, 200, 200, 200, 200),
    direct: dm(200, 200, 200),
  },
  'deleteImage[own]': {
    'private-group': row(204, 204, 204, 204, 204, 204),
    'public-group': row(204, 204, 204, 204, 204, 204),
    direct: dm(204, 204, 204),
  },
  // The poster's presence: only for users who share a room with them.
  getPresence: {
    'private-group': row(HIDDEN, LISTED, LISTED, LISTED, HIDDEN, HIDDEN),
    'public-group': row(HIDDEN, LISTED, LISTED, LISTED, HIDDEN, HIDDEN),
    direct: dm(HIDDEN, LISTED, HIDDEN),
  },
  // Blocks are the caller's own, about a user (the poster): the room does not matter. A guest gets 403 on all three.
  listBlocks: {
    'private-group': row(200, 200, 200, 200, 200, 200),
    'public-group': row(200, 200, 200, 200, 200, 200),
    direct: dm(200, 200, 200),
  },
  blockUser: {
    'private-group': row(200, 200, 200, 200, 200, 200),
    'public-group': row(200, 200, 200, 200, 200, 200),
    direct: dm(200, 200, 200),
  },
  unblockUser: {
    'private-group': row(204, 204, 204, 204, 204, 204),
    'public-group': row(204, 204, 204, 204, 204, 204),
    direct: dm(204, 204, 204),
  },
  // Devices are the caller's own: the room does not matter. [own]: a device the caller registered; without it, the
  // poster's device (another user's: 404, as if it did not exist).
  registerDevice: {
    'private-group': row(201, 201, 201, 201, 201, 201),
    'public-group': row(201, 201, 201, 201, 201, 201),
    direct: dm(201, 201, 201),
  },
  listDevices: {
    'private-group': row(200, 200, 200, 200, 200, 200),
    'public-group': row(200, 200, 200, 200, 200, 200),
    direct: dm(200, 200, 200),
  },
  deleteDevice: {
    'private-group': row(404, 404, 404, 404, 404, 404),
    'public-group': row(404, 404, 404, 404, 404, 404),
    direct: dm(404, 404, 404),
  },
  'deleteDevice[own]': {
    'private-group': row(204, 204, 204, 204, 204, 204),
    'public-group': row(204, 204, 204, 204, 204, 204),
    direct: dm(204, 204, 204),
  },
  getNotificationConfig: {
    'private-group': row(200, 200, 200, 200, 200, 200),
    'public-group': row(200, 200, 200, 200, 200, 200),
    direct: dm(200, 200, 200),
  },
  // Server administration (`/admin`, target: the fixture's room, the poster's message, the poster as user): no room
  // role makes a server administrator, so every room caller gets the 404 of a route that does not exist.
  listAdminRooms: {
    'private-group': row(404, 404, 404, 404, 404, 404),
    'public-group': row(404, 404, 404, 404, 404, 404),
    direct: dm(404, 404, 404),
  },
  getAdminRoom: {
    'private-group': row(404, 404, 404, 404, 404, 404),
    'public-group': row(404, 404, 404, 404, 404, 404),
    direct: dm(404, 404, 404),
  },
  deleteAdminRoom: {
    'private-group': row(404, 404, 404, 404, 404, 404),
    'public-group': row(404, 404, 404, 404, 404, 404),
    direct: dm(404, 404, 404),
  },
  deleteAdminMessage: {
    'private-group': row(404, 404, 404, 404, 404, 404),
    'public-group': row(404, 404, 404, 404, 404, 404),
    direct: dm(404, 404, 404),
  },
  banUserServerWide: {
    'private-group': row(404, 404, 404, 404, 404, 404),
    'public-group': row(404, 404, 404, 404, 404, 404),
    direct: dm(404, 404, 404),
  },
  unbanUserServerWide: {
    'private-group': row(404, 404, 404, 404, 404, 404),
    'public-group': row(404, 404, 404, 404, 404, 404),
    direct: dm(404, 404, 404),
  },
  listAdminReports: {
    'private-group': row(404, 404, 404, 404, 404, 404),
    'public-group': row(404, 404, 404, 404, 404, 404),
    direct: dm(404, 404, 404),
  },
  resolveAdminReport: {
    'private-group': row(404, 404, 404, 404, 404, 404),
    'public-group': row(404, 404, 404, 404, 404, 404),
    direct: dm(404, 404, 404),
  },
  exportUser: {
    'private-group': row(404, 404, 404, 404, 404, 404),
    'public-group': row(404, 404, 404, 404, 404, 404),
    direct: dm(404, 404, 404),
  },
  eraseUser: {
    'private-group': row(404, 404, 404, 404, 404, 404),
    'public-group': row(404, 404, 404, 404, 404, 404),
    direct: dm(404, 404, 404),
  },
  listAuditLog: {
    'private-group': row(404, 404, 404, 404, 404, 404),
    'public-group': row(404, 404, 404, 404, 404, 404),
    direct: dm(404, 404, 404),
  },
  // Socket events (acknowledgements: same rules and codes as HTTP). The caller's socket connected while the
  // removed member was still a member.
  'ws:message.send': {
    'private-group': row(404, OK, OK, OK, 404, 404),
    'public-group': row(404, OK, OK, OK, 404, 404),
    direct: dm(404, OK, 404),
  },
  'ws:room.read': {
    'private-group': row(404, OK, OK, OK, 404, 404),
    'public-group': row(404, OK, OK, OK, 404, 404),
    direct: dm(404, OK, 404),
  },
  'ws:room.delivered': {
    'private-group': row(404, OK, OK, OK, 404, 404),
    'public-group': row(404, OK, OK, OK, 404, 404),
    direct: dm(404, OK, 404),
  },
  'ws:typing': {
    'private-group': row(404, OK, OK, OK, 404, 404),
    'public-group': row(404, OK, OK, OK, 404, 404),
    direct: dm(404, OK, 404),
  },
  // Does the caller's socket get the poster's next message of the room?
  'ws:subscription': {
    'private-group': row(NOT_RECEIVED, RECEIVES, RECEIVES, RECEIVES, NOT_RECEIVED, NOT_RECEIVED),
    'public-group': row(NOT_RECEIVED, RECEIVES, RECEIVES, RECEIVES, NOT_RECEIVED, NOT_RECEIVED),
    direct: dm(NOT_RECEIVED, RECEIVES, NOT_RECEIVED),
  },
} satisfies Record<string, Column>;

type Key = keyof typeof EXPECTED;
const KEYS = Object.keys(EXPECTED) as Key[];

/** One answer per room kind, in the order private group, public group, direct. */
type ByKind = readonly [Cell, Cell, Cell];
/** The server administrator holds no room role: on the room routes they are an outsider like any other. */
const ASIDE_FROM_ADMINISTRATION = 'as outsider';

/**
 * The principals that are not room roles (see `PRINCIPAL_CALLERS`), per operation: the guest (a member of the
 * public group room, which allows guests; an outsider of the private group and the direct room) and the server
 * administrator (in no room: `ASIDE_FROM_ADMINISTRATION` takes the outsider's answer of each kind). API.md "Guests":
 * a guest lists, joins, reads, sends, reacts and marks read in rooms that allow guests and uses the socket; anything
 * else is 403 GUEST_NOT_ALLOWED. "silent" marks answers API.md leaves open (the server's current answer).
 */
const BY_PRINCIPAL: Record<Key, { guest: ByKind; 'server-admin': ByKind | typeof ASIDE_FROM_ADMINISTRATION }> = {
  //                                        private   public    direct
  'listRooms[scope=mine]': { guest: [HIDDEN, LISTED, HIDDEN], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'listRooms[scope=public]': { guest: [HIDDEN, LISTED, HIDDEN], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  createRoom: { guest: [403, 403, 403], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  getRoom: { guest: [404, 200, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  updateRoom: { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  replaceRoom: { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  deleteRoom: { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  joinRoom: { guest: [404, 409, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  // silent: a guest may leave.
  leaveRoom: { guest: [404, 204, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  muteRoom: { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  unmuteRoom: { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  setRoomNotifications: { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  markRoomRead: { guest: [404, 200, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  markRoomDelivered: { guest: [404, 200, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  markMessagesSeen: { guest: [404, 200, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  getRoomChanges: { guest: [404, 200, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  listMembers: { guest: [404, 200, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  getMember: { guest: [404, 200, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'addMember[role=member]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'addMember[role=admin]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  updateMember: { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'updateMember[silencedUntil]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'updateMember[silencedUntil,target=admin]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'updateMember[silencedUntil,target=owner]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'removeMember[target=self]': { guest: [404, 204, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'removeMember[target=member]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'removeMember[target=admin]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'removeMember[target=owner]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  listMessages: { guest: [404, 200, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  createMessage: { guest: [404, 201, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  getMessage: { guest: [404, 200, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'updateMessage[others]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  // silent: a guest edits and deletes their own messages (and reads their history) like any sender.
  'updateMessage[own]': { guest: [NA, 200, NA], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'replaceMessage[others]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'replaceMessage[own]': { guest: [NA, 200, NA], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'deleteMessage[others]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'deleteMessage[own]': { guest: [NA, 204, NA], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'getMessageHistory[others]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'getMessageHistory[own]': { guest: [NA, 200, NA], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  addReaction: { guest: [404, 200, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  removeReaction: { guest: [404, 200, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  getMessageReceipts: { guest: [404, 200, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  pinMessage: { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  unpinMessage: { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  listPins: { guest: [404, 200, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  listBans: { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  banUser: { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'banUser[target=admin]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'banUser[target=owner]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'banUser[target=self]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  unbanUser: { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  // Reporting is not among what guests may do.
  reportMessage: { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  listReports: { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  resolveReport: { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'updateRoom[moderation]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'createMessage[frozen]': { guest: [404, 403, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  uploadImage: { guest: [403, 403, 403], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  listImages: { guest: [403, 403, 403], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  getImage: { guest: [404, 200, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  getImageFile: { guest: [404, 200, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  getImageThumbnail: { guest: [404, 200, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  deleteImage: { guest: [403, 403, 403], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  // A guest never has an upload of their own.
  'getImage[own]': { guest: [NA, NA, NA], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'getImageFile[own]': { guest: [NA, NA, NA], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'deleteImage[own]': { guest: [NA, NA, NA], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  getPresence: { guest: [403, 403, 403], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  listBlocks: { guest: [403, 403, 403], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  blockUser: { guest: [403, 403, 403], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  unblockUser: { guest: [403, 403, 403], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  registerDevice: { guest: [403, 403, 403], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  listDevices: { guest: [403, 403, 403], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  deleteDevice: { guest: [403, 403, 403], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  // A guest never has a device of their own.
  'deleteDevice[own]': { guest: [NA, NA, NA], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  getNotificationConfig: { guest: [200, 200, 200], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  // Server administration: the administrator on any room, message and user; anybody else 404.
  listAdminRooms: { guest: [404, 404, 404], 'server-admin': [200, 200, 200] },
  getAdminRoom: { guest: [404, 404, 404], 'server-admin': [200, 200, 200] },
  deleteAdminRoom: { guest: [404, 404, 404], 'server-admin': [204, 204, 204] },
  deleteAdminMessage: { guest: [404, 404, 404], 'server-admin': [204, 204, 204] },
  listAdminReports: { guest: [404, 404, 404], 'server-admin': [200, 200, 200] },
  resolveAdminReport: { guest: [404, 404, 404], 'server-admin': [200, 200, 200] },
  banUserServerWide: { guest: [404, 404, 404], 'server-admin': [200, 200, 200] },
  unbanUserServerWide: { guest: [404, 404, 404], 'server-admin': [204, 204, 204] },
  exportUser: { guest: [404, 404, 404], 'server-admin': [200, 200, 200] },
  eraseUser: { guest: [404, 404, 404], 'server-admin': [204, 204, 204] },
  listAuditLog: { guest: [404, 404, 404], 'server-admin': [200, 200, 200] },
  'ws:message.send': { guest: [404, OK, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'ws:room.read': { guest: [404, OK, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'ws:room.delivered': { guest: [404, OK, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'ws:typing': { guest: [404, OK, 404], 'server-admin': ASIDE_FROM_ADMINISTRATION },
  'ws:subscription': { guest: [NOT_RECEIVED, RECEIVES, NOT_RECEIVED], 'server-admin': ASIDE_FROM_ADMINISTRATION },
};

/** The client events the matrix covers: the compiler (npm run typecheck) fails when the gateway gains one. */
const SOCKET_EVENTS = ['message.send', 'room.read', 'room.delivered', 'typing'] as const;
type Uncovered = Exclude<keyof ChatClientToServerEvents, (typeof SOCKET_EVENTS)[number]>;
const everySocketEventCovered: [Uncovered] extends [never] ? true : Uncovered = true;
void everySocketEventCovered;

// ---------------------------------------------------------------------------------------------------------------
// How each operation is called
// ---------------------------------------------------------------------------------------------------------------

/** What one run shares between its callers: their sockets and the events they recorded. */
interface RunState {
  sockets: Map<Caller, ChatClient>;
  created: Map<Caller, Array<{ roomId: string; message: { id: string } }>>;
  ownImages: Map<Caller, string>;
  /** The device each caller registered (deleteDevice[own]). */
  devices: Map<Caller, string>;
}

/** One cell being performed: the room, who calls, and the user behind that caller. */
interface Call {
  fixture: RoomFixture;
  caller: Caller;
  user: TestUser;
  state: RunState;
}

interface HttpCase {
  /** Fresh room per cell: a call by one caller could change what the next one gets. */
  mutates?: boolean;
  fixture?: { image?: boolean; ownMessages?: boolean; secondAdmin?: boolean };
  /** Once per room, before the removed member is removed. */
  prepare?: (fixture: RoomFixture) => Promise<unknown>;
  /** Once per caller, before the removed member is removed. */
  before?: (call: Call) => Promise<unknown>;
  params?: (call: Call) => Record<string, string>;
  query?: (call: Call) => Record<string, string | number>;
  body?: (call: Call) => object;
  upload?: true;
  /** Turns a 200 into LISTED / HIDDEN: is the fixture's room (or poster) in the answer? Follows nextCursor. */
  lists?: (body: unknown, call: Call) => boolean;
}

interface SocketCase {
  mutates?: boolean;
  before: (call: Call) => Promise<unknown>;
  perform: (call: Call) => Promise<Outcome>;
}

let t: TestApp;
let fixtures: ReturnType<typeof roomFixtures>;

const EMOJI = '👍';
const png = pngImage(8, 8);
const own = ({ fixture, caller }: Call) => ({ messageId: fixture.ownMessageIds[caller] ?? 'no-own-message' });
const hasRoom = (body: unknown, { fixture }: Call) => (body as { items: Array<{ id: string }> }).items.some((room) => room.id === fixture.roomId);

/** The caller uploads an image and, while a member, attaches it to a message of the room. */
const uploadOwnImage = async ({ fixture, caller, user, state }: Call) => {
  const res = must(await t.http().post(`${BASE}/images`).set(user.auth).attach('file', await png, { filename: 'own.png', contentType: 'image/png' }), 201, `${caller} uploads`);
  state.ownImages.set(caller, res.body.id);
  if (WAS_MEMBER.has(caller)) await fixtures.send(user, fixture.roomId, 'my picture', [res.body.id]);
};
const ownImage = ({ caller, state }: Call) => ({ imageId: state.ownImages.get(caller) ?? 'no-own-image' });

/** The poster's report per room (resolveReport). */
const posterReports = new Map<string, string>();
const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();
/** The poster reports the target message (prepare); the report is the cell's `{reportId}`. */
const posterReport: Pick<HttpCase, 'prepare' | 'params'> = {
  prepare: async (fixture) =>
    posterReports.set(
      fixture.roomId,
      must(await t.http().post(`${BASE}/rooms/${fixture.roomId}/messages/${fixture.targetMessageId}/reports`).set(fixture.poster.auth).send({ reason: 'matrix' }), 201, 'poster reports').body
        .id,
    ),
  params: ({ fixture }) => ({ reportId: posterReports.get(fixture.roomId) ?? 'no-report' }),
};

/** The poster's device per room (deleteDevice: another user's device). */
const posterDevices = new Map<string, string>();

/** Registers an FCM token for `user` and returns the device's id. */
const registerDevice = async (user: TestUser, what: string): Promise<string> =>
  must(await t.http().post(`${BASE}/devices`).set(user.auth).send({ platform: 'fcm', token: `token-${randomUUID()}` }), 201, `${what} registers a device`).body.id;


/** Connects the caller's socket and records the `message.created` events it gets. */
const connect = async ({ user, caller, state }: Call) => {
  const socket = await connectSocket(t.url, user.token);
  state.sockets.set(caller, socket);
  state.created.set(caller, record(socket, 'message.created'));
};

const acked = async (call: Call, event: (typeof SOCKET_EVENTS)[number], payload: object): Promise<Outcome> => {
  const ack = await ask(call.state.sockets.get(call.caller)!, event, payload);
  return ack.ok ? OK : (ack.error?.statusCode ?? 500);
};

const HOW: Record<Key, HttpCase | SocketCase> = {
  'listRooms[scope=mine]': { query: () => ({ scope: 'mine', limit: 100 }), lists: hasRoom },
  'listRooms[scope=public]': { query: () => ({ scope: 'public', limit: 100 }), lists: hasRoom },
  createRoom: {
    body: ({ fixture }) =>
      fixture.kind === 'direct'
        ? { type: 'direct', memberIds: [fixture.poster.id] }
        : { type: 'group', title: 'New', isPublic: fixture.kind === 'public-group', memberIds: [fixture.poster.id] },
  },
  getRoom: {},
  updateRoom: { mutates: true, body: () => ({ title: 'Renamed' }) },
  replaceRoom: { mutates: true, body: ({ fixture }) => ({ title: 'Replaced', isPublic: fixture.kind === 'public-group' }) },
  deleteRoom: { mutates: true },
  joinRoom: { mutates: true },
  leaveRoom: { mutates: true },
  muteRoom: {},
  unmuteRoom: {},
  markRoomRead: { body: () => ({ seq: 1 }) },
  markRoomDelivered: { body: () => ({ seq: 1 }) },
  markMessagesSeen: { body: ({ fixture }) => ({ messageIds: [fixture.targetMessageId] }) },
  getRoomChanges: { query: () => ({ since: 0 }) },
  listMembers: {},
  getMember: {},
  'addMember[role=member]': { mutates: true, body: ({ fixture }) => ({ userId: fixture.newcomer.id, role: 'member' }) },
  'addMember[role=admin]': { mutates: true, body: ({ fixture }) => ({ userId: fixture.newcomer.id, role: 'admin' }) },
  updateMember: { mutates: true, body: () => ({ role: 'admin' }) },
  'updateMember[silencedUntil]': { mutates: true, body: () => ({ silencedUntil: inAnHour() }) },
  'updateMember[silencedUntil,target=admin]': {
    mutates: true,
    fixture: { secondAdmin: true },
    params: ({ fixture }) => ({ userId: fixture.secondAdmin!.id }),
    body: () => ({ silencedUntil: inAnHour() }),
  },
  'updateMember[silencedUntil,target=owner]': { mutates: true, params: ({ fixture }) => ({ userId: fixture.owner!.id }), body: () => ({ silencedUntil: inAnHour() }) },
  'removeMember[target=self]': { mutates: true, params: ({ user }) => ({ userId: user.id }) },
  'removeMember[target=member]': { mutates: true },
  'removeMember[target=admin]': { mutates: true, fixture: { secondAdmin: true }, params: ({ fixture }) => ({ userId: fixture.secondAdmin!.id }) },
  'removeMember[target=owner]': { mutates: true, params: ({ fixture }) => ({ userId: fixture.owner!.id }) },
  listMessages: {},
  createMessage: { body: () => ({ body: 'hello' }) },
  getMessage: {},
  'updateMessage[others]': { mutates: true, body: () => ({ body: 'edited' }) },
  'updateMessage[own]': { fixture: { ownMessages: true }, params: own, body: () => ({ body: 'edited' }) },
  'replaceMessage[others]': { mutates: true, body: () => ({ body: 'replaced' }) },
  'replaceMessage[own]': { fixture: { ownMessages: true }, params: own, body: () => ({ body: 'replaced' }) },
  'deleteMessage[others]': { mutates: true },
  'deleteMessage[own]': { fixture: { ownMessages: true }, params: own },
  'getMessageHistory[others]': {
    prepare: async (fixture) =>
      must(await t.http().patch(`${BASE}/rooms/${fixture.roomId}/messages/${fixture.targetMessageId}`).set(fixture.poster.auth).send({ body: 'v2' }), 200, 'poster edits'),
  },
  'getMessageHistory[own]': { fixture: { ownMessages: true }, params: own },
  addReaction: {},
  removeReaction: {
    before: async ({ fixture, caller, user }) => {
      if (!wasMember(caller, fixture.kind)) return;
      const path = `${BASE}/rooms/${fixture.roomId}/messages/${fixture.targetMessageId}/reactions/${encodeURIComponent(EMOJI)}`;
      must(await t.http().put(path).set(user.auth), 200, `${caller} reacts`);
    },
  },
  getMessageReceipts: {},
  pinMessage: { mutates: true },
  unpinMessage: {
    mutates: true,
    prepare: async (fixture) => {
      const owner = fixture.owner;
      if (!owner) return; // a direct room has nobody who may pin
      must(await t.http().post(`${BASE}/rooms/${fixture.roomId}/messages/${fixture.targetMessageId}/pin`).set(owner.auth), 200, 'owner pins');
    },
  },
  listPins: {},
  listBans: {},
  banUser: { mutates: true, body: () => ({ reason: 'matrix' }) },
  'banUser[target=admin]': { mutates: true, fixture: { secondAdmin: true }, params: ({ fixture }) => ({ userId: fixture.secondAdmin!.id }), body: () => ({}) },
  'banUser[target=owner]': { mutates: true, params: ({ fixture }) => ({ userId: fixture.owner!.id }), body: () => ({}) },
  'banUser[target=self]': { mutates: true, params: ({ user }) => ({ userId: user.id }), body: () => ({}) },
  unbanUser: {
    mutates: true,
    prepare: async (fixture) => {
      if (!fixture.owner) return; // a direct room has nobody who may ban
      must(await t.http().put(`${BASE}/rooms/${fixture.roomId}/bans/${fixture.newcomer.id}`).set(fixture.owner.auth).send({}), 200, 'owner bans the newcomer');
    },
    params: ({ fixture }) => ({ userId: fixture.newcomer.id }),
  },
  reportMessage: { body: () => ({ reason: 'matrix' }) },
  listReports: {},
  resolveReport: {
    ...posterReport,
  },
  'updateRoom[moderation]': { mutates: true, body: () => ({ slowModeSeconds: 30, frozen: true }) },
  'createMessage[frozen]': {
    mutates: true,
    prepare: async (fixture) => must(await t.http().patch(`${BASE}/rooms/${fixture.roomId}`).set(fixture.owner!.auth).send({ frozen: true }), 200, 'owner freezes the room'),
    body: () => ({ body: 'in the cold' }),
  },
  setRoomNotifications: { body: () => ({ level: 'mentions' }) },
  listBlocks: {},
  // Blocking the poster changes what the poster may do in the room afterwards: a fresh room per cell.
  blockUser: { mutates: true },
  unblockUser: {},
  registerDevice: { body: () => ({ platform: 'fcm', token: `token-${randomUUID()}` }) },
  listDevices: {},
  deleteDevice: {
    prepare: async (fixture) => posterDevices.set(fixture.roomId, await registerDevice(fixture.poster, 'poster')),
    params: ({ fixture }) => ({ deviceId: posterDevices.get(fixture.roomId) ?? 'no-device' }),
  },
  'deleteDevice[own]': {
    before: async ({ user, caller, state }) => state.devices.set(caller, await registerDevice(user, caller)),
    params: ({ caller, state }) => ({ deviceId: state.devices.get(caller) ?? 'no-device' }),
  },
  getNotificationConfig: {},
  listAdminRooms: { query: () => ({ limit: 100 }) },
  getAdminRoom: {},
  deleteAdminRoom: { mutates: true },
  deleteAdminMessage: { mutates: true },
  listAdminReports: {},
  resolveAdminReport: {
    mutates: true,
    ...posterReport,
  },
  banUserServerWide: { mutates: true, body: () => ({ reason: 'matrix' }) },
  unbanUserServerWide: {
    mutates: true,
    prepare: async (fixture) =>
      must(await t.http().put(`${BASE}/admin/users/${encodeURIComponent(fixture.poster.id)}/ban`).set(newUser('Banning admin', { chatAdmin: true }).auth).send({}), 200, 'an administrator bans the poster'),
  },
  exportUser: {},
  eraseUser: { mutates: true },
  listAuditLog: {},
  uploadImage: { upload: true },
  listImages: {},
  getImage: { fixture: { image: true } },
  getImageFile: { fixture: { image: true } },
  getImageThumbnail: { fixture: { image: true } },
  deleteImage: { mutates: true, fixture: { image: true } },
  'getImage[own]': { before: uploadOwnImage, params: ownImage },
  'getImageFile[own]': { before: uploadOwnImage, params: ownImage },
  'deleteImage[own]': { before: uploadOwnImage, params: ownImage },
  getPresence: {
    query: ({ fixture }) => ({ userIds: fixture.poster.id }),
    lists: (body, { fixture }) => (body as Array<{ userId: string }>).some((entry) => entry.userId === fixture.poster.id),
  },
  'ws:message.send': { before: connect, perform: (call) => acked(call, 'message.send', { roomId: call.fixture.roomId, body: 'by socket' }) },
  'ws:room.read': { before: connect, perform: (call) => acked(call, 'room.read', { roomId: call.fixture.roomId, seq: 1 }) },
  'ws:room.delivered': { before: connect, perform: (call) => acked(call, 'room.delivered', { roomId: call.fixture.roomId, seq: 1 }) },
  'ws:typing': { before: connect, perform: (call) => acked(call, 'typing', { roomId: call.fixture.roomId, isTyping: true }) },
  'ws:subscription': {
    mutates: true,
    before: connect,
    /**
     * The poster sends in the room; then a helper opens a room with the caller and sends a sentinel there. Events
     * reach one socket in the order the server emits them, so once the sentinel has arrived the room's message
     * has arrived too, or never will.
     */
    perform: async ({ fixture, caller, user, state }) => {
      const target = await fixtures.send(fixture.poster, fixture.roomId, 'for subscribers');
      const helper = newUser('Sentinel');
      // A guest can only be in a public room that allows guests, which they join themself.
      const sentinelRoom = await fixtures.createRoom(helper, caller === 'guest' ? { type: 'group', title: 'Sentinel', isPublic: true, memberIds: [] } : { type: 'group', title: 'Sentinel', memberIds: [user.id] });
      if (caller === 'guest') {
        must(await t.http().patch(`${BASE}/rooms/${sentinelRoom}`).set(helper.auth).send({ allowGuests: true }), 200, 'the sentinel room lets guests in');
        must(await t.http().post(`${BASE}/rooms/${sentinelRoom}/join`).set(user.auth), 200, 'the guest joins the sentinel room');
      }
      const sentinel = nextEvent(state.sockets.get(caller)!, 'message.created', (event) => event.roomId === sentinelRoom, 15_000);
      await fixtures.send(helper, sentinelRoom, 'sentinel');
      await sentinel;
      return state.created.get(caller)!.some((event) => event.message.id === target) ? RECEIVES : NOT_RECEIVED;
    },
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Running the cells
// ---------------------------------------------------------------------------------------------------------------

interface Operation {
  method: string;
  path: string;
}
interface Result {
  outcome?: Outcome;
  /** The server's error message, shown when the cell fails. */
  detail?: string;
  /** The cell could not be performed (its room could not be set up, the route is not in the document...). */
  error?: Error;
}

const operationIdOf = (key: Key) => key.split('[')[0];
const isSocketCase = (how: HttpCase | SocketCase): how is SocketCase => 'perform' in how;
const cellName = (key: Key, kind: RoomKind, caller: Caller) => `${key} ${kind} ${caller}`;
const roomExpected = (key: Key, kind: RoomKind, caller: RoomCaller): Cell => (EXPECTED[key] as Column)[kind]?.[caller] ?? NA;
const expectedOf = (key: Key, kind: RoomKind, caller: Caller): Cell => {
  if (!isPrincipalCaller(caller)) return roomExpected(key, kind, caller);
  // A variant that cannot exist in that kind of room (an owner to ban in a direct room) cannot for anybody.
  if ((EXPECTED[key] as Column)[kind] === NA) return NA;
  const answers = BY_PRINCIPAL[key]?.[caller];
  if (answers === ASIDE_FROM_ADMINISTRATION) return roomExpected(key, kind, 'outsider');
  return answers?.[ROOM_KINDS.indexOf(kind)] ?? NA;
};

/** Chat operations of the OpenAPI document: operationId (or `METHOD path`) → method and path. */
const operations = new Map<string, Operation>();
const results = new Map<string, Result>();

async function performHttp(how: HttpCase, key: Key, call: Call): Promise<Result> {
  const operation = operations.get(operationIdOf(key));
  if (!operation) throw new Error(`${operationIdOf(key)} is not in the OpenAPI document`);
  const params: Record<string, string> = {
    roomId: call.fixture.roomId,
    messageId: call.fixture.targetMessageId,
    userId: call.fixture.poster.id,
    imageId: call.fixture.imageId ?? 'no-image',
    emoji: EMOJI,
    ...how.params?.(call),
  };
  const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!(name in params)) throw new Error(`no value for {${name}} of ${operation.path}`);
    return encodeURIComponent(params[name]);
  });
  const request = async (query: Record<string, string | number> = {}): Promise<Response> => {
    let req = (t.http() as unknown as Record<string, (path: string) => import('supertest').Test>)[operation.method](path).set(call.user.auth).query(query);
    if (how.upload) req = req.attach('file', await png, { filename: 'pixel.png', contentType: 'image/png' });
    else if (how.body) req = req.send(how.body(call));
    return req;
  };
  const query = how.query?.(call) ?? {};
  let res = await request(query);
  if (!how.lists || res.status !== 200) return { outcome: res.status, detail: res.status >= 400 ? JSON.stringify(res.body.message) : undefined };
  for (;;) {
    if (how.lists(res.body, call)) return { outcome: LISTED };
    const next = (res.body as { nextCursor?: string | null }).nextCursor;
    if (!next) return { outcome: HIDDEN };
    res = await request({ ...query, cursor: next });
    if (res.status !== 200) return { outcome: res.status, detail: `next page: ${JSON.stringify(res.body.message)}` };
  }
}

/** One room of `kind` and the given callers' cells on it, at the same time. */
async function run(key: Key, kind: RoomKind, callers: readonly Caller[]): Promise<void> {
  const how = HOW[key];
  const state: RunState = { sockets: new Map(), created: new Map(), ownImages: new Map(), devices: new Map() };
  const callOf = (fixture: RoomFixture, caller: Caller): Call => ({ fixture, caller, user: fixture.users[caller]!, state });
  try {
    const fixture = await fixtures.build(kind, {
      ...('fixture' in how ? how.fixture : {}),
      callers,
      beforeRemoval: async (fixture) => {
        if ('prepare' in how) await how.prepare?.(fixture);
        await Promise.all(callers.map((caller) => how.before?.(callOf(fixture, caller))));
      },
    });
    await Promise.all(
      callers.map(async (caller) => {
        const call = callOf(fixture, caller);
        try {
          results.set(cellName(key, kind, caller), isSocketCase(how) ? { outcome: await how.perform(call) } : await performHttp(how, key, call));
        } catch (error) {
          results.set(cellName(key, kind, caller), { error: error as Error });
        }
      }),
    );
  } catch (error) {
    for (const caller of callers) results.set(cellName(key, kind, caller), { error: error as Error });
  } finally {
    for (const socket of state.sockets.values()) socket.disconnect();
  }
}

const CELLS = KEYS.flatMap((key) =>
  ROOM_KINDS.flatMap((kind) => callersOf(kind).filter((caller) => expectedOf(key, kind, caller) !== NA).map((caller) => ({ key, kind, caller }))),
);

describe('authorization matrix (postgres)', () => {
  beforeAll(async () => {
    t = await startTestApp('postgres');
    fixtures = roomFixtures(t);
    const document = (await t.http().get('/api/docs-json').expect(200)).body as { paths: Record<string, Record<string, { operationId?: string }>> };
    for (const [path, methods] of Object.entries(document.paths)) {
      if (!path.startsWith(`${BASE}/`) && path !== BASE) continue;
      for (const [method, operation] of Object.entries(methods)) operations.set(operation.operationId ?? `${method.toUpperCase()} ${path}`, { method, path });
    }
    const runs = KEYS.flatMap((key) =>
      ROOM_KINDS.flatMap((kind) => {
        const callers = callersOf(kind).filter((caller) => expectedOf(key, kind, caller) !== NA);
        if (callers.length === 0) return [];
        return HOW[key].mutates ? callers.map((caller) => ({ key, kind, callers: [caller] })) : [{ key, kind, callers }];
      }),
    );
    await inPool(runs, 8, ({ key, kind, callers }) => run(key, kind, callers));
  }, 180_000);

  afterAll(async () => {
    closeSockets();
    await t?.close();
  });

  describe('covers the route table', () => {
    const httpKeys = KEYS.filter((key) => !key.startsWith('ws:'));

    it('has expectations for every chat operation of the OpenAPI document', () => {
      const covered = new Set(httpKeys.map(operationIdOf));
      const uncovered = [...operations].filter(([id]) => !covered.has(id)).map(([id, { method, path }]) => `${id} (${method.toUpperCase()} ${path})`);
      expect(uncovered).toEqual([]);
    });

    it('names no operation the OpenAPI document lacks', () => {
      expect([...new Set(httpKeys.map(operationIdOf))].filter((id) => !operations.has(id))).toEqual([]);
    });

    it('says how to call every operation it has expectations for, and has an answer for every cell', () => {
      expect(Object.keys(HOW).sort()).toEqual([...KEYS].sort());
      for (const key of KEYS) {
        for (const kind of ROOM_KINDS) {
          const column = (EXPECTED[key] as Column)[kind];
          if (column === NA) continue;
          expect(Object.keys(column).sort()).toEqual([...ROOM_CALLERS].sort());
          for (const caller of ROOM_CALLERS) if (!callersOf(kind).includes(caller)) expect(column[caller]).toBe(NA);
        }
      }
    });

    it('has the answers of the guest and the server administrator for every operation', () => {
      expect(Object.keys(BY_PRINCIPAL).sort()).toEqual([...KEYS].sort());
      for (const key of KEYS) expect(Object.keys(BY_PRINCIPAL[key]).sort()).toEqual([...PRINCIPAL_CALLERS].sort());
    });
  });

  describe.each(KEYS)('%s', (key) => {
    it.each(CELLS.filter((cell) => cell.key === key).map((cell) => ({ ...cell, expected: expectedOf(cell.key, cell.kind, cell.caller) as Outcome })))(
      '$key $kind $caller → $expected',
      ({ kind, caller, expected }) => {
        const result = results.get(cellName(key, kind, caller));
        if (!result) throw new Error('the cell did not run');
        if (result.error) throw result.error;
        try {
          expect(result.outcome).toBe(expected);
        } catch (error) {
          (error as Error).message += `\n\n${cellName(key, kind, caller)}: expected ${expected}, the server answered ${result.outcome}${result.detail ? ` (${result.detail})` : ''}`;
          throw error;
        }
      },
    );
  });
});
