import { DataSource } from 'typeorm';
import { BASE, chatClient } from './support/chat-client';
import { ask, closeSockets, connectSocket, nextEvent, record } from './support/sockets';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Regressions of the access layer: decisions that were made in several places and disagreed at the edges.
 * (Host-policy cases are in host-hooks.e2e-spec.ts; every route × role is in authorization-matrix.e2e-spec.ts.)
 */
describe('access layer', () => {
  let t: TestApp;
  let chat: ReturnType<typeof chatClient>;
  beforeAll(async () => {
    t = await startTestApp('postgres');
    chat = chatClient(t);
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await t?.close();
  });

  it('tells an outsider nothing about the messages of a room: a real or made-up parentId answers the same 404', async () => {
    const [ann, eve] = [t.user('Ann'), t.user('Eve')];
    const room = await chat.group(ann);
    const parent = await chat.send(ann, room.id, 'a parent');
    const real = await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(eve.auth).send({ body: 'x', parentId: parent.id }).expect(404);
    const madeUp = await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(eve.auth).send({ body: 'x', parentId: '5c2f7a8e-0000-4000-8000-000000000000' }).expect(404);
    expect(real.body).toEqual(madeUp.body);
    const socket = await connectSocket(t.url, eve.token);
    const acks = await Promise.all([
      ask(socket, 'message.send', { roomId: room.id, body: 'x', parentId: parent.id }),
      ask(socket, 'message.send', { roomId: room.id, body: 'x', parentId: '5c2f7a8e-0000-4000-8000-000000000000' }),
    ]);
    expect(acks.map((ack) => ack.error)).toEqual([acks[1].error, { statusCode: 404, message: 'Room not found', code: 'ROOM_NOT_FOUND' }]);
  });

  it('refuses typing from a socket whose user the database no longer lists as a member', async () => {
    const [ann, bob] = [t.user('Ann'), t.user('Bob')];
    const room = await chat.group(ann, [bob]);
    const [annSocket, bobSocket] = [await connectSocket(t.url, ann.token), await connectSocket(t.url, bob.token)];
    const typing = record(annSocket, 'typing');
    // Removed behind the module's back: no event, so the socket stays in the Socket.IO room.
    await t.app.get(DataSource).query(`DELETE FROM chat_room_members WHERE room_id = $1 AND user_id = $2`, [room.id, bob.id]);
    expect((await ask(bobSocket, 'typing', { roomId: room.id, isTyping: true })).error).toMatchObject({ statusCode: 404, code: 'ROOM_NOT_FOUND' });
    // Sentinel: a message sent after the refused typing arrives, and no typing came before it.
    const sentinel = nextEvent(annSocket, 'message.created');
    await chat.send(ann, room.id, 'sentinel');
    await sentinel;
    expect(typing).toEqual([]);
  });

  it('takes ids in any case at the edge and always answers and publishes the canonical lower-case form', async () => {
    const [ann, bob, carl] = [t.user('Ann'), t.user('Bob'), t.user('Carl')];
    const room = await chat.group(ann, [bob, carl]);
    const other = await chat.group(ann, [bob]);
    const upper = room.id.toUpperCase();
    const bobSocket = await connectSocket(t.url, bob.token);
    const created = nextEvent(bobSocket, 'message.created', (event) => event.roomId === room.id);
    const sent = await t.http().post(`${BASE}/rooms/${upper}/messages`).set(ann.auth).send({ body: 'shouting' }).expect(201);
    expect(sent.body.roomId).toBe(room.id);
    expect((await created).message.id).toBe(sent.body.id);
    const reply = await t.http().post(`${BASE}/rooms/${upper}/messages`).set(ann.auth).send({ body: 're', parentId: sent.body.id.toUpperCase() }).expect(201);
    expect(reply.body.parentId).toBe(sent.body.id);
    const viaSocket = await ask(bobSocket, 'message.send', { roomId: upper, body: 'socket shouting' });
    expect(viaSocket.data.roomId).toBe(room.id);

    // Removed through an upper-case path: the member hears of it, then nothing more of the room.
    const removed = nextEvent(bobSocket, 'member.removed', (event) => event.roomId === room.id);
    await t.http().delete(`${BASE}/rooms/${upper}/members/${bob.id}`).set(ann.auth).expect(204);
    expect((await removed).member.userId).toBe(bob.id);
    const leaked = record(bobSocket, 'message.created');
    await chat.send(ann, room.id, 'after the removal');
    const sentinel = nextEvent(bobSocket, 'message.created', (event) => event.roomId === other.id);
    await chat.send(ann, other.id, 'sentinel');
    await sentinel;
    expect(leaked.map((event) => event.roomId)).toEqual([other.id]);
  });

  it('answers 404 for a path id that is not a UUID and 400 for such an id in a body or query', async () => {
    const ann = t.user('Ann');
    const room = await chat.group(ann);
    await t.http().get(`${BASE}/rooms/not-a-uuid`).set(ann.auth).expect(404);
    await t.http().get(`${BASE}/rooms/${room.id}/messages/not-a-uuid`).set(ann.auth).expect(404);
    await t.http().get(`${BASE}/images/not-a-uuid`).set(ann.auth).expect(404);
    await t.http().post(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).send({ body: 'x', parentId: 'nope' }).expect(400);
    await t.http().get(`${BASE}/rooms/${room.id}/messages`).query({ parentId: 'nope' }).set(ann.auth).expect(400);
  });
});
