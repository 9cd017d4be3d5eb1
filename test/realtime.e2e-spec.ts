import { BASE, chatClient, type MessageBody } from './support/chat-client';
import { ask, closeSockets, connectSocket, eventually, nextEvent, record } from './support/sockets';
import { DATABASES, startTestApp, tokenFor, type TestApp } from './support/test-app';

describe.each(DATABASES)('realtime (%s)', (kind) => {
  let t: TestApp;
  let chat: ReturnType<typeof chatClient>;
  beforeAll(async () => {
    // Seqs and pointers here count user messages exactly; system messages' events have their own spec.
    t = await startTestApp(kind, { typingTimeoutMs: 1500, systemMessages: false });
    chat = chatClient(t);
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await t?.close();
  });

  describe('handshake', () => {
    it('refuses sockets without a valid token, saying why', async () => {
      await expect(connectSocket(t.url, undefined)).rejects.toThrow('A bearer token is required');
      await expect(connectSocket(t.url, 'garbage')).rejects.toThrow('The token is not valid');
      await expect(connectSocket(t.url, tokenFor('u', 'U', { expiresIn: -5 }))).rejects.toThrow('The token has expired');
      await expect(connectSocket(t.url, tokenFor('u', 'U', { secret: 'other' }))).rejects.toThrow('The token is not valid');
    });

    it('checks the Origin against the allowed origins when they are set', async () => {
      const restricted = await startTestApp(kind, { corsOrigins: ['http://allowed.example'] });
      try {
        const ann = restricted.user();
        await expect(connectSocket(restricted.url, ann.token, { headers: { Origin: 'http://evil.example' } })).rejects.toThrow('Origin http://evil.example is not allowed');
        const allowed = await connectSocket(restricted.url, ann.token, { headers: { Origin: 'http://allowed.example' } });
        expect(allowed.connected).toBe(true);
        allowed.disconnect();
      } finally {
        await restricted.close();
      }
    });

    it('accepts the token in an Authorization header too', async () => {
      const ann = t.user();
      const socket = await connectSocket(t.url, undefined, { headers: { Authorization: `Bearer ${ann.token}` } });
      expect(socket.connected).toBe(true);
    });

    it('disconnects the socket when its token expires, and nothing reaches it after', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const shortLived = await connectSocket(t.url, tokenFor(bob.id, 'Bob', { expiresIn: 2 }));
      const longLived = await connectSocket(t.url, bob.token);
      const received = record(shortLived, 'message.created');
      const closing = nextEvent(shortLived, 'session.closing', () => true, 4000);
      const disconnected = new Promise<string>((resolve) => shortLived.on('disconnect', resolve));
      await chat.send(ann, room.id, 'before expiry');
      await eventually(() => expect(received).toHaveLength(1));
      expect((await closing).reason).toBe('token_expired');
      expect(await disconnected).toBe('io server disconnect');
      // Sentinel: Bob's other tab gets 'after expiry' from the same room broadcast (the expired socket itself is closed).
      const witnessed = nextEvent(longLived, 'message.created', (p) => p.message.body === 'after expiry');
      await chat.send(ann, room.id, 'after expiry');
      await witnessed;
      expect(received).toHaveLength(1);
    });
  });

  describe('subscriptions follow membership', () => {
    it('delivers every room event to every socket of every member, the sender’s other tabs included', async () => {
      const [ann, bob, eve] = [t.user(), t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const eveRoom = await chat.group(eve);
      const [annTab1, annTab2, bobTab, eveTab] = await Promise.all([ann, ann, bob, eve].map((u) => connectSocket(t.url, u.token)));
      const eveSaw = record(eveTab, 'message.created');
      const waits = [annTab1, annTab2, bobTab].map((s) => nextEvent(s, 'message.created'));
      const sent = await chat.send(ann, room.id, 'hello all');
      for (const payload of await Promise.all(waits)) {
        expect(payload).toEqual({ roomId: room.id, version: sent.version, message: expect.objectContaining({ id: sent.id, body: 'hello all', seq: 1 }) });
      }
      const updated = nextEvent(bobTab, 'message.updated');
      await t.http().patch(`${BASE}/rooms/${room.id}/messages/${sent.id}`).set(ann.auth).send({ body: 'edited' }).expect(200);
      expect(await updated).toMatchObject({ roomId: room.id, version: sent.version + 1, message: { body: 'edited' } });
      const reacted = nextEvent(bobTab, 'message.updated');
      await t.http().put(`${BASE}/rooms/${room.id}/messages/${sent.id}/reactions/${encodeURIComponent('🎉')}`).set(ann.auth).expect(200);
      expect(await reacted).toMatchObject({ version: sent.version + 2, message: { reactions: [{ emoji: '🎉', count: 1, me: false }] } });
      const deleted = nextEvent(bobTab, 'message.deleted');
      await t.http().delete(`${BASE}/rooms/${room.id}/messages/${sent.id}`).set(ann.auth).expect(204);
      expect(await deleted).toEqual({ roomId: room.id, version: sent.version + 3, messageId: sent.id });
      const roomUpdated = nextEvent(bobTab, 'room.updated');
      await t.http().patch(`${BASE}/rooms/${room.id}`).set(ann.auth).send({ title: 'Renamed' }).expect(200);
      expect(await roomUpdated).toMatchObject({ roomId: room.id, version: sent.version + 4, room: { title: 'Renamed' } });
      // Sentinel: a message in Eve's own room, emitted after all of the above, on the same socket.
      const eveSentinel = nextEvent(eveTab, 'message.created', (p) => p.roomId === eveRoom.id);
      await chat.send(eve, eveRoom.id, 'sentinel');
      await eveSentinel;
      expect(eveSaw.map((p) => p.roomId)).toEqual([eveRoom.id]);
    });

    it('subscribes an added member’s sockets before member.added, and unsubscribes a removed one after member.removed', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await chat.group(ann);
      const bobRoom = await chat.group(bob);
      const bobSocket = await connectSocket(t.url, bob.token);
      const added = nextEvent(bobSocket, 'member.added');
      await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: bob.id }).expect(201);
      expect(await added).toMatchObject({ roomId: room.id, version: room.version + 1, member: { userId: bob.id, role: 'member', online: true } });
      const message = nextEvent(bobSocket, 'message.created');
      await chat.send(ann, room.id, 'welcome');
      expect((await message).message.body).toBe('welcome');
      const removed = nextEvent(bobSocket, 'member.removed');
      await t.http().delete(`${BASE}/rooms/${room.id}/members/${bob.id}`).set(ann.auth).expect(204);
      expect(await removed).toMatchObject({ roomId: room.id, member: { userId: bob.id } });
      const after = record(bobSocket, 'message.created');
      await chat.send(ann, room.id, 'bob is gone');
      // Sentinel: a message in Bob's own room, emitted after 'bob is gone' would have been, on the same socket.
      const bobSentinel = nextEvent(bobSocket, 'message.created', (p) => p.roomId === bobRoom.id);
      await chat.send(bob, bobRoom.id, 'sentinel');
      await bobSentinel;
      expect(after.map((p) => p.roomId)).toEqual([bobRoom.id]);
    });

    it('subscribes on room creation and on joining, and unsubscribes on leaving and deletion', async () => {
      const [ann, bob, cat] = [t.user(), t.user(), t.user()];
      const catRoom = await chat.group(cat);
      const [bobSocket, catSocket] = await Promise.all([connectSocket(t.url, bob.token), connectSocket(t.url, cat.token)]);
      const bobAdded = nextEvent(bobSocket, 'member.added', (p) => p.member.userId === bob.id);
      const room = await chat.group(ann, [bob], { isPublic: true });
      expect((await bobAdded).roomId).toBe(room.id);
      const catJoined = nextEvent(catSocket, 'member.added', (p) => p.member.userId === cat.id);
      await t.http().post(`${BASE}/rooms/${room.id}/join`).set(cat.auth).expect(200);
      await catJoined;
      const both = [nextEvent(bobSocket, 'message.created'), nextEvent(catSocket, 'message.created')];
      await chat.send(ann, room.id, 'to both');
      await Promise.all(both);
      const catLeft = nextEvent(catSocket, 'member.removed');
      await t.http().post(`${BASE}/rooms/${room.id}/leave`).set(cat.auth).expect(204);
      await catLeft;
      const catAfter = record(catSocket, 'message.created');
      // A message of the room after Cat left: Bob gets it, Cat must not.
      const bobGets = nextEvent(bobSocket, 'message.created', (p) => p.roomId === room.id);
      await chat.send(ann, room.id, 'cat is gone');
      await bobGets;
      const deleted = nextEvent(bobSocket, 'room.deleted');
      await t.http().delete(`${BASE}/rooms/${room.id}`).set(ann.auth).expect(204);
      expect(await deleted).toEqual({ roomId: room.id });
      // Sentinel: a message in Cat's own room, emitted after the deletion, on the same socket.
      const catSentinel = nextEvent(catSocket, 'message.created', (p) => p.roomId === catRoom.id);
      await chat.send(cat, catRoom.id, 'sentinel');
      await catSentinel;
      expect(catAfter.map((p) => p.roomId)).toEqual([catRoom.id]);
    });

    it('subscribes a newly connected socket to all of the user’s rooms', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const rooms = [await chat.group(ann, [bob]), await chat.group(bob), (await t.http().post(`${BASE}/rooms`).set(ann.auth).send({ type: 'direct', memberIds: [bob.id] })).body];
      const socket = await connectSocket(t.url, bob.token);
      const seen = record(socket, 'message.created');
      for (const room of rooms) await chat.send(room.id === rooms[1].id ? bob : ann, room.id, 'ping');
      await eventually(() => expect(seen.map((p) => p.roomId).sort()).toEqual(rooms.map((r: { id: string }) => r.id).sort()));
    });
  });

  describe('client events', () => {
    it('sends messages with an ack, with the same rules and idempotency as REST', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const [annSocket, bobSocket] = await Promise.all([connectSocket(t.url, ann.token), connectSocket(t.url, bob.token)]);
      const received = nextEvent(bobSocket, 'message.created');
      const ack = await ask(annSocket, 'message.send', { roomId: room.id, body: ' over the socket ', clientId: 'sock-1' });
      expect(ack).toEqual({ ok: true, data: expect.objectContaining({ body: 'over the socket', seq: 1, senderId: ann.id, clientId: 'sock-1' }) });
      expect((await received).message.id).toBe(ack.data.id);
      const again = await ask(annSocket, 'message.send', { roomId: room.id, body: 'retry', clientId: 'sock-1' });
      expect(again.data.id).toBe(ack.data.id);
      expect((await ask(annSocket, 'message.send', { roomId: room.id, body: '   ' })).error).toMatchObject({ statusCode: 400 });
      expect((await ask(annSocket, 'message.send', { roomId: room.id, body: 'x', senderId: 'me' })).error?.statusCode).toBe(400);
      expect((await ask(annSocket, 'message.send', { body: 'no room' })).error?.statusCode).toBe(400);
      const other = await chat.group(bob);
      expect((await ask(annSocket, 'message.send', { roomId: other.id, body: 'intruder' })).error).toEqual({ statusCode: 404, message: 'Room not found', code: 'ROOM_NOT_FOUND' });
      const rest = await t.http().get(`${BASE}/rooms/${room.id}/messages`).set(ann.auth).expect(200);
      expect(rest.body.items).toHaveLength(1);
    });

    it('moves read and delivery pointers and tells the room with receipt events', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const m = await chat.send(ann, room.id, 'read me');
      const [annSocket, bobSocket] = await Promise.all([connectSocket(t.url, ann.token), connectSocket(t.url, bob.token)]);
      const receipt = nextEvent(annSocket, 'receipt', (p) => p.userId === bob.id);
      const delivered = await ask(bobSocket, 'room.delivered', { roomId: room.id, seq: m.seq });
      expect(delivered.data).toMatchObject({ lastDeliveredSeq: 1, lastReadSeq: 0, unreadCount: 1 });
      const read = await ask(bobSocket, 'room.read', { roomId: room.id, seq: m.seq });
      expect(read).toEqual({ ok: true, data: { roomId: room.id, lastReadSeq: 1, lastDeliveredSeq: 1, unreadCount: 0 } });
      expect(await receipt).toEqual({ roomId: room.id, userId: bob.id, lastReadSeq: 1 });
      expect((await ask(bobSocket, 'room.read', { roomId: room.id, seq: 'one' })).error?.statusCode).toBe(400);
    });

    it('survives junk: wrong types, non-objects, unknown events, missing acks, oversize payloads', async () => {
      const ann = t.user();
      const room = await chat.group(ann);
      const socket = await connectSocket(t.url, ann.token);
      for (const junk of ['a string', 42, null, [1, 2], { roomId: 7 }, { roomId: room.id, body: { nested: true } }]) {
        const ack = await ask(socket, 'message.send', junk);
        expect(ack.ok).toBe(false);
        expect(ack.error?.statusCode).toBe(400);
      }
      expect(await ask(socket, 'no.such.event', {})).toEqual({ ok: false, error: { statusCode: 404, message: 'Unknown event no.such.event', code: 'UNKNOWN_EVENT' } });
      const raw = socket as unknown as { emit: (event: string, ...args: unknown[]) => void };
      const noAckSent = nextEvent(socket, 'message.created', (p) => p.message.body === 'no ack');
      raw.emit('message.send', { roomId: room.id, body: 'no ack' });
      raw.emit('typing');
      // Sentinels on the same socket: the unacknowledged send's own event, then the ack of an event sent after the junk.
      await noAckSent;
      expect(await ask(socket, 'typing', { roomId: room.id, isTyping: false })).toEqual({ ok: true, data: null });
      expect(socket.connected).toBe(true);
      const big = await connectSocket(t.url, ann.token);
      const gone = new Promise<string>((resolve) => big.on('disconnect', resolve));
      (big as unknown as { emit: (event: string, payload: unknown) => void }).emit('message.send', { roomId: room.id, body: 'x'.repeat(400 * 1024) });
      expect(await gone).toBe('transport close');
      const still = await ask(socket, 'message.send', { roomId: room.id, body: 'still here' });
      expect(still.ok).toBe(true);
      await t.http().get('/health').expect(200);
    });

    it('rate-limits a flooding socket with 429 acks', async () => {
      const ann = t.user();
      const room = await chat.group(ann);
      const socket = await connectSocket(t.url, ann.token);
      const acks = await Promise.all(Array.from({ length: 80 }, () => ask(socket, 'typing', { roomId: room.id, isTyping: true })));
      const limited = acks.filter((a) => a.error?.statusCode === 429);
      expect(limited.length).toBeGreaterThan(0);
      expect(acks.filter((a) => a.ok).length).toBeGreaterThanOrEqual(40);
      expect(limited[0].error?.message).toMatch(/Too many events/);
    });
  });

  describe('typing', () => {
    it('reaches the others, never the typer’s own sockets, and stops on send, on expiry and on disconnect', async () => {
      const [ann, bob] = [t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const [annTab1, annTab2, bobSocket] = await Promise.all([connectSocket(t.url, ann.token), connectSocket(t.url, ann.token), connectSocket(t.url, bob.token)]);
      const annEchoes = [...record(annTab1, 'typing'), ...record(annTab2, 'typing')];
      const typing = nextEvent(bobSocket, 'typing');
      expect(await ask(annTab1, 'typing', { roomId: room.id, isTyping: true })).toEqual({ ok: true, data: null });
      expect(await typing).toEqual({ roomId: room.id, userId: ann.id, isTyping: true });
      const stoppedBySend = nextEvent(bobSocket, 'typing', (p) => !p.isTyping);
      await ask(annTab1, 'message.send', { roomId: room.id, body: 'done typing' });
      await stoppedBySend;
      await ask(annTab1, 'typing', { roomId: room.id, isTyping: true });
      const expired = nextEvent(bobSocket, 'typing', (p) => !p.isTyping, 4000);
      const started = Date.now();
      await expired;
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      await ask(annTab2, 'typing', { roomId: room.id, isTyping: true });
      const stoppedByDisconnect = nextEvent(bobSocket, 'typing', (p) => !p.isTyping);
      annTab2.disconnect();
      await stoppedByDisconnect;
      expect(annEchoes.filter((p) => p.userId === ann.id)).toEqual([]);
      const outsider = await chat.group(bob);
      expect((await ask(annTab1, 'typing', { roomId: outsider.id, isTyping: true })).error?.statusCode).toBe(404);
    });
  });

  describe('presence', () => {
    it('is online while any connection exists, tells those who share a room, and keeps lastSeenAt', async () => {
      const [ann, bob, eve, cat] = [t.user(), t.user(), t.user(), t.user()];
      await chat.group(ann, [bob, cat]);
      const bobSocket = await connectSocket(t.url, bob.token);
      const eveSocket = await connectSocket(t.url, eve.token);
      const catSocket = await connectSocket(t.url, cat.token);
      const eveSaw = record(eveSocket, 'presence');
      const online = nextEvent(bobSocket, 'presence', (p) => p.userId === ann.id && p.online);
      const tab1 = await connectSocket(t.url, ann.token);
      expect(await online).toEqual({ userId: ann.id, online: true, lastSeenAt: expect.any(String) });
      const tab2 = await connectSocket(t.url, ann.token);
      const presence = await t.http().get(`${BASE}/presence`).query({ userIds: `${ann.id},${eve.id},nobody` }).set(bob.auth).expect(200);
      expect(presence.body).toEqual([{ userId: ann.id, online: true, lastSeenAt: expect.any(String) }]);
      const offline = record(bobSocket, 'presence');
      const catOffline = nextEvent(bobSocket, 'presence', (p) => p.userId === cat.id && !p.online);
      tab1.disconnect();
      // Sentinel: Cat's last socket closing after Ann's tab, through the same disconnect → presence path to Bob's socket.
      catSocket.disconnect();
      await catOffline;
      expect(offline.filter((p) => p.userId === ann.id)).toEqual([]);
      const wentOffline = nextEvent(bobSocket, 'presence', (p) => p.userId === ann.id && !p.online);
      tab2.disconnect();
      const last = await wentOffline;
      expect(Date.parse(last.lastSeenAt as string)).toBeGreaterThan(Date.now() - 5000);
      const after = await t.http().get(`${BASE}/presence?userIds=${ann.id}`).set(bob.auth).expect(200);
      expect(after.body).toEqual([{ userId: ann.id, online: false, lastSeenAt: last.lastSeenAt }]);
      expect(eveSaw.filter((p) => p.userId === ann.id)).toEqual([]);
      await t.http().get(`${BASE}/presence`).set(bob.auth).expect(400);
      const members = await t.http().get(`${BASE}/rooms`).set(bob.auth).expect(200);
      expect(members.body.items).toHaveLength(1);
    });
  });

  describe('catching up', () => {
    it('brings a client that was away back to exactly the server’s state through changes?since=', async () => {
      const [ann, bob, cat] = [t.user(), t.user(), t.user()];
      const room = await chat.group(ann, [bob]);
      const kept = await chat.send(ann, room.id, 'kept');
      const toEdit = await chat.send(bob, room.id, 'to edit');
      const toDelete = await chat.send(ann, room.id, 'to delete');
      // Bob's client state as of now, built from what it received.
      const bobSocket = await connectSocket(t.url, bob.token);
      const state = new Map<string, MessageBody>((await chat.all<MessageBody>(bob, `${BASE}/rooms/${room.id}/messages`)).map((m) => [m.id, m]));
      let version = (await chat.room(bob, room.id)).version;
      bobSocket.disconnect();
      await t.http().patch(`${BASE}/rooms/${room.id}/messages/${toEdit.id}`).set(bob.auth).send({ body: 'edited while away' }).expect(200);
      await t.http().delete(`${BASE}/rooms/${room.id}/messages/${toDelete.id}`).set(ann.auth).expect(204);
      await t.http().put(`${BASE}/rooms/${room.id}/messages/${kept.id}/reactions/${encodeURIComponent('👍')}`).set(ann.auth).expect(200);
      const fresh = await chat.send(ann, room.id, 'new while away');
      await t.http().post(`${BASE}/rooms/${room.id}/members`).set(ann.auth).send({ userId: cat.id }).expect(201);
      const back = await connectSocket(t.url, bob.token);
      const live = record(back, 'message.created');
      const changes = await t.http().get(`${BASE}/rooms/${room.id}/changes`).query({ since: version }).set(bob.auth).expect(200);
      for (const message of changes.body.messages as MessageBody[]) state.set(message.id, message);
      version = changes.body.version;
      const server = await chat.all<MessageBody>(bob, `${BASE}/rooms/${room.id}/messages`);
      expect([...state.values()].sort((a, b) => b.seq - a.seq)).toEqual(server);
      expect(server.map((m) => m.id)).toContain(fresh.id);
      expect(changes.body.members.map((m: { userId: string }) => m.userId)).toEqual([cat.id]);
      expect(version).toBe((await chat.room(bob, room.id)).version);
      const next = await chat.send(ann, room.id, 'live again');
      await eventually(() => expect(live.map((p) => p.message.id)).toEqual([next.id]));
      expect(live[0].version).toBe(version + 1);
    });
  });
});
