/**
 * The request body each chat operation shows (Swagger UI's "Try it out" sends it as it is), by operationId. Every
 * example works when sent unchanged to a room, message and member of the caller's (only the path is filled in):
 * no field a case refuses (a direct room's picture), and no id in a body that would have to name something existing,
 * except `markMessagesSeen`'s, `00000000-0000-4000-8000-000000000000` (replace it with a message of the room).
 * `test/openapi-examples.e2e-spec.ts` sends each one and fails for an operation with a JSON body missing here.
 */
export const CHAT_REQUEST_EXAMPLES: Readonly<Record<string, unknown>> = {
  createRoom: { type: 'group', title: 'Design team', description: 'Mockups and reviews', isPublic: false, memberIds: ['user-2', 'user-3'] },
  updateRoom: { title: 'Design team (archive)', slowModeSeconds: 10 },
  replaceRoom: { title: 'Design team', description: 'Mockups and reviews', isPublic: true, allowGuests: false, imageId: null },
  setRoomNotifications: { level: 'mentions', mutedUntil: null },
  addMember: { userId: 'user-4', role: 'member' },
  updateMember: { role: 'admin', silencedUntil: null },
  createMessage: { body: 'Hello, team!', clientId: 'c2f1b9e4-send-1' },
  updateMessage: { body: 'Hello, team! (edited)' },
  replaceMessage: { body: 'Hello, team! (edited)' },
  markRoomRead: { seq: 1 },
  markRoomDelivered: { seq: 1 },
  markMessagesSeen: { messageIds: ['00000000-0000-4000-8000-000000000000'] },
  registerDevice: { platform: 'fcm', token: 'fcm-registration-token-from-the-app' },
  banUser: { reason: 'Spam', until: '2030-01-01T00:00:00.000Z' },
  reportMessage: { reason: 'Spam' },
  banUserServerWide: { reason: 'Spam in many rooms', until: '2030-01-01T00:00:00.000Z' },
};
