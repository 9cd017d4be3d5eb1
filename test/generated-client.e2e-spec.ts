import { createParleyClient, type ParleyClient, type ParleyError, type ParleySchemas } from '../clients/typescript';
import { OpenApiResponseValidator, builtOpenApiDocument } from './support/openapi-document';
import { startTestApp, type TestApp, type TestUser } from './support/test-app';

type Room = ParleySchemas['RoomResponse'];
type Message = ParleySchemas['MessageResponse'];

/**
 * A whole scenario driven only through the TypeScript client generated from the OpenAPI document
 * (clients/typescript, `npm run client:generate`): if the document and the server disagree, or the document
 * cannot describe a route, this fails at compile time (`npm run typecheck`) or here. Every response of the scenario
 * is also checked against the document of the built server (Ajv, strict): status, media type and body schema.
 */
describe('the generated TypeScript client', () => {
  let t: TestApp;
  let ann: TestUser;
  let bob: TestUser;
  let annClient: ParleyClient;
  let bobClient: ParleyClient;
  const checked: string[] = [];
  const violations: string[] = [];

  beforeAll(async () => {
    t = await startTestApp('postgres');
    [ann, bob] = [t.user('Ann'), t.user('Bob')];
    const validator = new OpenApiResponseValidator((await builtOpenApiDocument()).document);
    annClient = createParleyClient({ baseUrl: t.url, token: ann.token });
    // The token can also be a function, asked on every request.
    bobClient = createParleyClient({ baseUrl: t.url, token: async () => bob.token });
    for (const client of [annClient, bobClient]) {
      client.use({
        async onResponse({ request, response }) {
          const text = await response.clone().text();
          const body = text && response.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as unknown) : text;
          const { pathname } = new URL(request.url);
          checked.push(`${request.method} ${pathname} ${response.status}`);
          violations.push(...validator.validate(request.method, pathname, response.status, response.headers.get('content-type'), body));
          return response;
        },
      });
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('creates rooms, sends, edits, reacts, lists and reads', async () => {
    const group = await annClient.POST('/api/v1/chat/rooms', { body: { type: 'group', title: 'Generated', memberIds: [bob.id] } });
    expect(group.response.status).toBe(201);
    const room: Room = ok(group.data);
    expect(room).toMatchObject({ type: 'group', title: 'Generated', memberCount: 2, me: { role: 'owner' } });

    const direct = await bobClient.POST('/api/v1/chat/rooms', { body: { type: 'direct', memberIds: [ann.id] } });
    expect(direct.response.status).toBe(201);
    const again = await bobClient.POST('/api/v1/chat/rooms', { body: { type: 'direct', memberIds: [ann.id] } });
    expect(again.response.status).toBe(200);
    expect(ok(again.data).id).toBe(ok(direct.data).id);

    const roomPath = { path: { roomId: room.id } };
    const sent = await annClient.POST('/api/v1/chat/rooms/{roomId}/messages', { params: roomPath, body: { body: 'Hello from the client', clientId: 'generated-1' } });
    expect(sent.response.status).toBe(201);
    const message: Message = ok(sent.data);
    // Seq 1 is the room's creation, a system message.
    expect(message).toMatchObject({ seq: 2, type: 'user', senderId: ann.id, body: 'Hello from the client', parentId: null, editedAt: null, system: null });
    const replayed = await annClient.POST('/api/v1/chat/rooms/{roomId}/messages', { params: roomPath, body: { body: 'Hello from the client', clientId: 'generated-1' } });
    expect(replayed.response.status).toBe(200);
    expect(ok(replayed.data).id).toBe(message.id);

    const messagePath = { path: { roomId: room.id, messageId: message.id } };
    const edited = await annClient.PATCH('/api/v1/chat/rooms/{roomId}/messages/{messageId}', { params: messagePath, body: { body: 'Hello, edited' } });
    expect(ok(edited.data)).toMatchObject({ body: 'Hello, edited', editedAt: expect.any(String) });

    const reacted = await bobClient.PUT('/api/v1/chat/rooms/{roomId}/messages/{messageId}/reactions/{emoji}', {
      params: { path: { ...messagePath.path, emoji: '👍' } },
    });
    expect(ok(reacted.data).reactions).toEqual([{ emoji: '👍', count: 1, me: true }]);

    const rooms = await bobClient.GET('/api/v1/chat/rooms', { params: { query: { scope: 'mine', limit: 10 } } });
    const listed = ok(rooms.data).items.find((item) => item.id === room.id);
    expect(listed?.me?.unreadCount).toBe(1);
    expect(listed?.lastMessage?.body).toBe('Hello, edited');

    const reply = await bobClient.POST('/api/v1/chat/rooms/{roomId}/messages', { params: roomPath, body: { body: 'A reply', parentId: message.id } });
    // Sending moves the sender's own read pointer: Bob has now read up to his reply.
    expect(ok(reply.data).parentId).toBe(message.id);

    const messages = await bobClient.GET('/api/v1/chat/rooms/{roomId}/messages', { params: { ...roomPath, query: { limit: 50 } } });
    // Newest first: the message, then the room's creation (a system message, typed as such by the client).
    expect(ok(messages.data).items.map((item) => (item.type === 'system' ? item.system?.event : item.body))).toEqual(['Hello, edited', 'room.created']);
    expect(ok(messages.data).nextCursor).toBeNull();
    const thread = await bobClient.GET('/api/v1/chat/rooms/{roomId}/messages', { params: { ...roomPath, query: { parentId: message.id } } });
    expect(ok(thread.data).items.map((item) => item.body)).toEqual(['A reply']);

    const read = await annClient.POST('/api/v1/chat/rooms/{roomId}/read', { params: roomPath, body: { seq: ok(reply.data).seq } });
    expect(ok(read.data)).toMatchObject({ roomId: room.id, lastReadSeq: ok(reply.data).seq, unreadCount: 0 });
    const receipts = await bobClient.GET('/api/v1/chat/rooms/{roomId}/messages/{messageId}/receipts', { params: messagePath });
    expect(ok(receipts.data).seenBy).toEqual([bob.id]);

    const members = await annClient.GET('/api/v1/chat/rooms/{roomId}/members', { params: roomPath });
    expect(
      ok(members.data)
        .items.map((member) => [member.name, member.role])
        .sort(),
    ).toEqual([
      ['Ann', 'owner'],
      ['Bob', 'member'],
    ]);

    const changes = await bobClient.GET('/api/v1/chat/rooms/{roomId}/changes', { params: { ...roomPath, query: { since: room.version } } });
    expect(ok(changes.data).messages.map((item) => item.body)).toEqual(['Hello, edited', 'A reply']);
  });

  it('gives typed error bodies', async () => {
    const missing = await annClient.GET('/api/v1/chat/rooms/{roomId}', { params: { path: { roomId: '00000000-0000-4000-8000-000000000000' } } });
    expect(missing.response.status).toBe(404);
    const error: ParleyError | undefined = missing.error;
    expect(error).toMatchObject({ statusCode: 404, error: 'Not Found', code: 'ROOM_NOT_FOUND' });

    const invalid = await annClient.POST('/api/v1/chat/rooms', { body: { type: 'group', memberIds: 'not a list' as unknown as string[] } });
    expect(invalid.response.status).toBe(400);
    expect(Array.isArray(invalid.error?.message)).toBe(true);

    const anonymous = createParleyClient({ baseUrl: t.url });
    const refused = await anonymous.GET('/api/v1/chat/rooms');
    expect(refused.response.status).toBe(401);
    expect(refused.error?.statusCode).toBe(401);
  });

  it('moderates: slow mode, silence, bans and reports', async () => {
    const room = ok((await annClient.POST('/api/v1/chat/rooms', { body: { type: 'group', title: 'Moderated', memberIds: [bob.id] } })).data);
    const roomPath = { path: { roomId: room.id } };
    const settings = await annClient.PATCH('/api/v1/chat/rooms/{roomId}', { params: roomPath, body: { slowModeSeconds: 30, frozen: false } });
    expect(ok(settings.data)).toMatchObject({ slowModeSeconds: 30, frozen: false });
    const silenced = await annClient.PATCH('/api/v1/chat/rooms/{roomId}/members/{userId}', {
      params: { path: { roomId: room.id, userId: bob.id } },
      body: { silencedUntil: new Date(Date.now() + 60_000).toISOString() },
    });
    expect(ok(silenced.data).silencedUntil).toEqual(expect.any(String));
    const message = ok((await annClient.POST('/api/v1/chat/rooms/{roomId}/messages', { params: roomPath, body: { body: 'Rules' } })).data);
    const report = await bobClient.POST('/api/v1/chat/rooms/{roomId}/messages/{messageId}/reports', {
      params: { path: { roomId: room.id, messageId: message.id } },
      body: { reason: 'Too many rules' },
    });
    expect(report.response.status).toBe(201);
    const reports = ok((await annClient.GET('/api/v1/chat/rooms/{roomId}/reports', { params: roomPath })).data);
    expect(reports.items.map((item) => item.reason)).toEqual(['Too many rules']);
    const resolved = await annClient.POST('/api/v1/chat/rooms/{roomId}/reports/{reportId}/resolve', { params: { path: { roomId: room.id, reportId: ok(report.data).id } } });
    expect(ok(resolved.data).resolvedAt).toEqual(expect.any(String));
    const ban = await annClient.PUT('/api/v1/chat/rooms/{roomId}/bans/{userId}', { params: { path: { roomId: room.id, userId: bob.id } }, body: { reason: 'Enough' } });
    expect(ok(ban.data)).toMatchObject({ userId: bob.id, reason: 'Enough', until: null, createdBy: ann.id });
    expect(ok((await annClient.GET('/api/v1/chat/rooms/{roomId}/bans', { params: roomPath })).data).items.map((item) => item.userId)).toEqual([bob.id]);
    const lifted = await annClient.DELETE('/api/v1/chat/rooms/{roomId}/bans/{userId}', { params: { path: { roomId: room.id, userId: bob.id } } });
    expect(lifted.response.status).toBe(204);
  });

  // Last: every response the scenario received, successes and errors alike, matched the document.
  it('got only responses the OpenAPI document describes', () => {
    expect(checked.length).toBeGreaterThan(20);
    expect(violations).toEqual([]);
  });
});

/** The data of a successful response (openapi-fetch leaves it undefined on errors). */
function ok<T>(data: T | undefined): T {
  if (data === undefined) throw new Error('Expected a successful response');
  return data;
}
