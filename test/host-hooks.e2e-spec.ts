import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatModule, ChatIoAdapter, type MessageSendContext, type RoomAccessContext } from '@parley/chat';
import request from 'supertest';
import { databaseOptions } from '../src/database/database-options';
import { pngImage } from './support/image-fixtures';
import { ask, closeSockets, connectSocket, nextEvent, record } from './support/sockets';
import { DATABASES } from './support/test-app';

const BASE = '/api/v1/chat';

/** The host's own users and tokens: opaque API keys, not JWTs. */
const HOST_USERS: Record<string, { id: string; name: string }> = {
  'key-ann': { id: 'host-ann', name: 'Ann from the host' },
  'key-bob': { id: 'host-bob', name: 'Bob from the host' },
  'key-eve': { id: 'host-eve', name: 'Eve from the host' },
  'key-dan': { id: 'host-dan', name: 'Dan from the host' },
  'key-fay': { id: 'host-fay', name: 'Fay from the host' },
};

describe.each(DATABASES)('host hooks (%s)', (kind) => {
  let app: INestApplication;
  let url: string;
  const resolved: string[][] = [];
  const policyCalls: RoomAccessContext[] = [];
  const sends: MessageSendContext[] = [];
  const hiddenRooms = new Set<string>();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot(databaseOptions({ databaseUrl: kind === 'postgres' ? process.env.PARLEY_TEST_DATABASE_URL : undefined, dataDir: 'memory://' })),
        ChatModule.forRoot({
          path: 'chat',
          authenticate: (token) => {
            const user = HOST_USERS[token];
            return user ? { userId: user.id } : null;
          },
          resolveUsers: (ids) => {
            resolved.push(ids);
            return ids.filter((id) => Object.values(HOST_USERS).some((u) => u.id === id)).map((id) => ({ id, name: Object.values(HOST_USERS).find((u) => u.id === id)?.name }));
          },
          resolveUsersCacheMs: 0,
          canAccessRoom: (context) => {
            policyCalls.push(context);
            return !hiddenRooms.has(context.roomId);
          },
          beforeMessageSend: (context) => {
            sends.push(context);
            if (context.body.includes('forbidden')) return { reject: 'That word is not allowed here' };
            if (context.body.includes('darn')) return { body: context.body.replace(/darn/g, 'd**n') };
            return undefined;
          },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication();
    app.useWebSocketAdapter(new ChatIoAdapter(app));
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await app?.close();
  });

  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  it('authenticates with the host function and mounts the routes at the host path', async () => {
    await request(url).get(`${BASE}/rooms`).set(as('key-ann')).expect(404);
    await request(url).get('/chat/rooms').set(as('key-ann')).expect(200);
    await request(url).get('/chat/rooms').set(as('not-a-key')).expect(401);
    await expect(connectSocket(url, 'not-a-key')).rejects.toThrow('The token was refused');
  });

  it('names users through resolveUsers', async () => {
    const room = await request(url).post('/chat/rooms').set(as('key-ann')).send({ type: 'direct', memberIds: ['host-bob'] }).expect(201);
    expect(room.body.title).toBe('Bob from the host');
    const members = await request(url).get(`/chat/rooms/${room.body.id}/members`).set(as('key-bob')).expect(200);
    expect(members.body.items.map((m: { name: string }) => m.name).sort()).toEqual(['Ann from the host', 'Bob from the host']);
    expect(resolved.flat()).toContain('host-bob');
  });

  it('lets beforeMessageSend reject or rewrite a message, over HTTP and sockets', async () => {
    const room = await request(url).post('/chat/rooms').set(as('key-ann')).send({ type: 'group', title: 'Hooks', memberIds: ['host-bob'] }).expect(201);
    const rejected = await request(url).post(`/chat/rooms/${room.body.id}/messages`).set(as('key-ann')).send({ body: 'a forbidden word' }).expect(403);
    expect(rejected.body).toMatchObject({ message: 'That word is not allowed here', code: 'MESSAGE_REJECTED' });
    const rewritten = await request(url).post(`/chat/rooms/${room.body.id}/messages`).set(as('key-ann')).send({ body: 'oh darn' }).expect(201);
    expect(rewritten.body.body).toBe('oh d**n');
    const socket = await connectSocket(url, 'key-bob');
    const ack = await ask(socket, 'message.send', { roomId: room.body.id, body: 'forbidden again' });
    expect(ack.error).toEqual({ statusCode: 403, message: 'That word is not allowed here', code: 'MESSAGE_REJECTED' });
    expect(sends.at(-1)).toMatchObject({ userId: 'host-bob', roomId: room.body.id, body: 'forbidden again', parentId: null, imageIds: [] });
    const list = await request(url).get(`/chat/rooms/${room.body.id}/messages`).set(as('key-bob')).expect(200);
    // The user messages (the room's creation, a system message, is also in the history).
    expect(list.body.items.filter((m: { type: string }) => m.type === 'user').map((m: { body: string }) => m.body)).toEqual(['oh d**n']);
  });

  it('lets canAccessRoom deny a room: 404 everywhere, hidden from lists and from new sockets', async () => {
    const room = await request(url).post('/chat/rooms').set(as('key-ann')).send({ type: 'group', title: 'Secret', memberIds: ['host-eve'] }).expect(201);
    await request(url).get(`/chat/rooms/${room.body.id}`).set(as('key-eve')).expect(200);
    expect(policyCalls.at(-1)).toMatchObject({ userId: 'host-eve', roomId: room.body.id, role: 'member', room: { type: 'group', isPublic: false, creatorId: 'host-ann' } });
    hiddenRooms.add(room.body.id);
    await request(url).get(`/chat/rooms/${room.body.id}`).set(as('key-eve')).expect(404);
    await request(url).get(`/chat/rooms/${room.body.id}/messages`).set(as('key-eve')).expect(404);
    await request(url).post(`/chat/rooms/${room.body.id}/messages`).set(as('key-eve')).send({ body: 'hi' }).expect(404);
    const list = await request(url).get('/chat/rooms').set(as('key-eve')).expect(200);
    expect(list.body.items.map((r: { id: string }) => r.id)).not.toContain(room.body.id);
    const eveRoom = await request(url).post('/chat/rooms').set(as('key-eve')).send({ type: 'group', title: 'Eve alone', memberIds: [] }).expect(201);
    const eveSocket = await connectSocket(url, 'key-eve');
    const seen = record(eveSocket, 'message.created');
    hiddenRooms.delete(room.body.id);
    const annSocket = await connectSocket(url, 'key-ann');
    const annGets = nextEvent(annSocket, 'message.created');
    await request(url).post(`/chat/rooms/${room.body.id}/messages`).set(as('key-ann')).send({ body: 'not for eve' }).expect(201);
    await annGets;
    // Sentinel: a message in Eve's own room, emitted after 'not for eve', on the same socket.
    const eveSentinel = nextEvent(eveSocket, 'message.created', (p) => p.roomId === eveRoom.body.id);
    await request(url).post(`/chat/rooms/${eveRoom.body.id}/messages`).set(as('key-eve')).send({ body: 'sentinel' }).expect(201);
    await eveSentinel;
    expect(seen.map((p) => p.roomId)).toEqual([eveRoom.body.id]);
  });

  it('applies canAccessRoom to images, presence and typing too: a hidden room grants nothing', async () => {
    const room = await request(url).post('/chat/rooms').set(as('key-dan')).send({ type: 'group', title: 'Pictures', memberIds: ['host-fay'] }).expect(201);
    const image = await request(url).post('/chat/images').set(as('key-dan')).attach('file', await pngImage(), 'p.png').expect(201);
    await request(url).post(`/chat/rooms/${room.body.id}/messages`).set(as('key-dan')).send({ imageIds: [image.body.id] }).expect(201);
    await request(url).get(`/chat/images/${image.body.id}/file`).set(as('key-fay')).expect(200);
    const faySocket = await connectSocket(url, 'key-fay');
    const visible = await request(url).get('/chat/presence').query({ userIds: 'host-dan' }).set(as('key-fay')).expect(200);
    expect(visible.body.map((entry: { userId: string }) => entry.userId)).toEqual(['host-dan']);
    hiddenRooms.add(room.body.id);
    try {
      await request(url).get(`/chat/images/${image.body.id}`).set(as('key-fay')).expect(404);
      await request(url).get(`/chat/images/${image.body.id}/file`).set(as('key-fay')).expect(404);
      await request(url).get(`/chat/images/${image.body.id}/thumbnail`).set(as('key-fay')).expect(404);
      // The uploader keeps their own image whatever the policy says of the room.
      await request(url).get(`/chat/images/${image.body.id}/file`).set(as('key-dan')).expect(200);
      await request(url).get('/chat/presence').query({ userIds: 'host-dan' }).set(as('key-fay')).expect(200, []);
      expect((await ask(faySocket, 'typing', { roomId: room.body.id, isTyping: true })).error).toMatchObject({ statusCode: 404, code: 'ROOM_NOT_FOUND' });
    } finally {
      hiddenRooms.delete(room.body.id);
    }
  });
});
